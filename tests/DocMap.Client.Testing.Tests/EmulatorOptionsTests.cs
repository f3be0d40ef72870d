using System.Net;
using System.Net.Sockets;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing.Tests;

public sealed class EmulatorOptionsTests
{
    public static TheoryData<string, Action<DocMapEmulatorOptions>, bool> InvalidOptions => new()
    {
        { "DeliveryTimeout", o => o.DeliveryTimeout = TimeSpan.FromMinutes(6), true },
        { "DeliveryTimeout", o => o.DeliveryTimeout = TimeSpan.FromSeconds(-1), true },
        { "ApiKey", o => o.ApiKey = "", false },
        { "ApiKey", o => o.ApiKey = "dm_test_abc\n", false },
        { "ApiKey", o => o.ApiKey = "dm test", false },
        { "ApiKey", o => o.ApiKey = "dm_tést", false },
        { "ApiKey", o => o.ApiKey = new string('k', 1025), false },
        { "Port", o => o.Port = -1, true },
        { "Port", o => o.Port = 65536, true },
        { "SignatureHeaderName", o => o.SignatureHeaderName = "", false },
        { "SignatureHeaderName", o => o.SignatureHeaderName = "X Sig", false },
        { "SignatureHeaderName", o => o.SignatureHeaderName = "X-Sig:", false },
        { "SignatureHeaderName", o => o.SignatureHeaderName = "Content-Type", false },
        { "SignatureHeaderName", o => o.SignatureHeaderName = "host", false },
        { "SignatureHeaderName", o => o.SignatureHeaderName = null!, false },
        { "SignatureKeyDerivation", o => o.SignatureKeyDerivation = (WebhookKeyDerivation)7, true },
        { "MaxRequestLogEntries", o => o.MaxRequestLogEntries = 0, true },
        { "MaxRequestLogEntries", o => o.MaxRequestLogEntries = 1_000_001, true },
        { "MaxDeliveryLogEntries", o => o.MaxDeliveryLogEntries = 0, true },
        { "MaxLoggedBodyBytes", o => o.MaxLoggedBodyBytes = -1, true },
        { "MaxLoggedBodyBytes", o => o.MaxLoggedBodyBytes = (1024 * 1024) + 1, true },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Start_rejects_an_invalid_setting_naming_it(string setting, Action<DocMapEmulatorOptions> configure, bool outOfRange)
    {
        var options = new DocMapEmulatorOptions();
        configure(options);

        var ex = Assert.ThrowsAny<ArgumentException>(() => DocMapEmulator.Start(options));

        Assert.Equal("options", ex.ParamName);
        Assert.Contains("DocMapEmulatorOptions." + setting, ex.Message, StringComparison.Ordinal);
        Assert.Equal(outOfRange, ex is ArgumentOutOfRangeException);
        if (setting == "ApiKey")
        {
            Assert.DoesNotContain(options.ApiKey is { Length: > 3 } key ? key : "\u0000", ex.Message, StringComparison.Ordinal); // never echoes the key
        }
    }

    [Fact]
    public async Task A_chosen_API_key_is_the_only_one_accepted()
    {
        const string key = "dm_test_my-fixed-key_0123";
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { ApiKey = key });
        using var good = new EmulatorApi(emulator, key);
        using var other = new EmulatorApi(emulator, key + "x");

        Assert.Equal(key, emulator.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await good.ListWebhooksAsync()).Status);
        Assert.Equal(HttpStatusCode.OK, (await good.SendAsync(HttpMethod.Get, "_emulator")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.ListWebhooksAsync()).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.SendAsync(HttpMethod.Get, "_emulator")).Status);
        Assert.Empty(await emulator.CreateClient().ListWebhooksAsync().ContinueWith(t => t.Result.Data, TaskScheduler.Default));
        Assert.DoesNotContain(key, emulator.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chosen_port_is_used_on_loopback_and_a_taken_one_is_an_IOException()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { Port = port });
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), emulator.Url);
        using var api = new EmulatorApi(emulator);
        Assert.Equal(HttpStatusCode.OK, (await api.ListWebhooksAsync()).Status);

        Assert.ThrowsAny<IOException>(() => DocMapEmulator.Start(new DocMapEmulatorOptions { Port = port }));
    }

    [Fact]
    public async Task The_emulator_listens_on_127_0_0_1_only()
    {
        await using var emulator = DocMapEmulator.Start();
        Assert.Equal("127.0.0.1", emulator.Url.Host);

        // Not on another local address of the machine (when it has one), nor on IPv6 loopback.
        using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<SocketException>(() => v6.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, emulator.Url.Port)));
    }

    [Fact]
    public async Task SecretFactory_chooses_the_secret_of_webhooks_created_through_the_API()
    {
        const string known = "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef0042";
        var urls = new List<string>();
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            SecretFactory = url =>
            {
                lock (urls)
                {
                    urls.Add(url);
                }

                return known;
            },
        });
        receiver.Expect("a", known);
        var client = emulator.CreateClient();

        var created = (await client.CreateWebhookAsync(new CreateWebhookRequest(receiver.HookUrl("a"), [WebhookEventType.ExtractionCompleted]))).Data;
        using var api = new EmulatorApi(emulator);
        var control = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", $$"""{"url":"https://example.com/x"}""");
        var chosen = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", $$"""{"url":"https://example.com/y","secret":"{{new string('1', 64)}}"}""");

        Assert.Equal(known, created.Secret);
        Assert.Equal(known, control.Data.GetProperty("secret").GetString());
        Assert.Equal(new string('1', 64), chosen.Data.GetProperty("secret").GetString()); // a given secret wins
        Assert.Equal([receiver.HookUrl("a"), "https://example.com/x"], urls);
        Assert.Equal(200, Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted), d => d.WebhookId == created.Webhook.Id).HttpStatus);
        Assert.True(receiver.Received.Single().Verified);
    }

    [Fact]
    public async Task A_SecretFactory_returning_a_bad_secret_makes_the_create_call_a_500_that_says_so_and_creates_nothing()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { SecretFactory = _ => "not-a-secret" });
        using var api = new EmulatorApi(emulator);

        var response = await api.CreateAsync("https://example.com/a", "extraction.completed");

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Equal("INTERNAL_ERROR", response.ErrorCode);
        Assert.Contains("SecretFactory", response.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-secret", response.Body, StringComparison.Ordinal);
        Assert.Equal(0, (await api.ListWebhooksAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task A_SecretFactory_that_throws_is_a_500_naming_it_without_its_message()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { SecretFactory = _ => throw new FormatException("private detail") });
        using var api = new EmulatorApi(emulator);

        var response = await api.CreateAsync("https://example.com/a", "extraction.completed");

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Contains("SecretFactory threw FormatException", response.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("private detail", response.Body, StringComparison.Ordinal);
        Assert.Equal(500, Assert.Single(emulator.Requests).StatusCode);
    }

    [Fact]
    public async Task A_DeliveryHandlerFactory_that_throws_makes_a_control_trigger_a_500_in_the_envelope()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryHandlerFactory = () => throw new NotSupportedException("nope") });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("http://localhost/a", "extraction.completed");

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Equal("INTERNAL_ERROR", response.ErrorCode);
        Assert.Contains("NotSupportedException", response.ErrorMessage, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => emulator.TriggerAsync(WebhookEventType.ExtractionCompleted)); // in .NET: the factory's own exception
    }

    [Fact]
    public async Task RegisterWebhook_validates_its_arguments_and_the_limit()
    {
        await using var emulator = DocMapEmulator.Start();
        var secret = WebhookSecret.Parse(new string('a', 64));

        Assert.Equal("url", Assert.Throws<ArgumentNullException>(() => emulator.RegisterWebhook(null!, secret)).ParamName);
        Assert.Equal("secret", Assert.Throws<ArgumentNullException>(() => emulator.RegisterWebhook("https://example.com", null!)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentException>(() => emulator.RegisterWebhook("/relative", secret)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentException>(() => emulator.RegisterWebhook("ftp://example.com/x", secret)).ParamName);
        Assert.Equal("events", Assert.Throws<ArgumentException>(() => emulator.RegisterWebhook("https://example.com", secret, new WebhookEventType("extraction.archived"))).ParamName);
        Assert.Equal("events", Assert.Throws<ArgumentException>(() => emulator.RegisterWebhook("https://example.com", secret, default(WebhookEventType))).ParamName);

        for (var i = 0; i < DocMapEmulator.MaxActiveWebhooks; i++)
        {
            Assert.StartsWith("wh_", emulator.RegisterWebhook($"https://example.com/{i}", secret), StringComparison.Ordinal);
        }

        var full = Assert.Throws<InvalidOperationException>(() => emulator.RegisterWebhook("https://example.com/10", secret));
        Assert.Contains("10", full.Message, StringComparison.Ordinal);

        await emulator.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => emulator.RegisterWebhook("https://example.com/x", secret));
        Assert.Throws<ObjectDisposedException>(emulator.Reset);
    }

    [Fact]
    public async Task RegisterWebhook_subscribes_to_both_events_by_default_or_to_the_given_ones()
    {
        await using var emulator = DocMapEmulator.Start();
        var secret = WebhookSecret.Parse(new string('b', 64));

        var both = emulator.RegisterWebhook("https://example.com/both", secret);
        var failedOnly = emulator.RegisterWebhook("https://example.com/failed", secret, WebhookEventType.ExtractionFailed);

        var listed = (await emulator.CreateClient().ListWebhooksAsync()).Data;
        Assert.Equal([both, failedOnly], listed.Select(w => w.Id));
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], listed[0].Events);
        Assert.Equal([WebhookEventType.ExtractionFailed], listed[1].Events);
    }
}

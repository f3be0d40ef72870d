using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Tests;

public sealed class DependencyInjectionTests : WireMockTestBase
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(kv => "DocMap:" + kv.Key, kv => kv.Value)).Build().GetSection("DocMap");

    [Fact]
    public async Task AddDocMapClient_with_a_delegate_registers_a_working_IDocMapApi()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        var services = new ServiceCollection();

        var builder = services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri(Server.Url!);
        });
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(DocMapServiceCollectionExtensions.HttpClientName, builder.Name);
        var api = provider.GetRequiredService<IDocMapApi>();
        var webhooks = (await api.ListWebhooksAsync()).Data;

        Assert.Single(webhooks);
        var request = Assert.Single(Requests);
        Assert.Equal($"Bearer {ApiKey}", Assert.Single(request.Headers!["Authorization"]));
        Assert.StartsWith("DocMap.Client/", string.Join(" ", request.Headers!["User-Agent"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDocMapClient_with_configuration_binds_every_key()
    {
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "x"));
        var services = new ServiceCollection();
        services.AddDocMapClient(Section(new()
        {
            ["ApiKey"] = ApiKey,
            ["BaseAddress"] = Server.Url,
            ["Timeout"] = "00:00:20",
            ["AttemptTimeout"] = "00:00:05",
            ["MaxRetries"] = "2",
            ["RetryBaseDelay"] = "00:00:00.010",
            ["MaxRetryAfter"] = "00:00:07",
            ["MaxResponseBytes"] = "65536",
            ["UseBuiltInResilience"] = "true",
        }));
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<DocMapClientOptions>>().Value;
        Assert.Equal(ApiKey, options.ApiKey);
        Assert.Equal(new Uri(Server.Url!), options.BaseAddress);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.AttemptTimeout);
        Assert.Equal(2, options.MaxRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(10), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(7), options.MaxRetryAfter);
        Assert.Equal(65536, options.MaxResponseBytes);
        Assert.True(options.UseBuiltInResilience);

        // The bound retry count is the one the pipeline uses: 1 attempt + 2 retries.
        await Assert.ThrowsAsync<DocMapApiException>(() => provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync());
        Assert.Equal(3, Requests.Count);
    }

    [Fact]
    public async Task Calling_AddDocMapClient_twice_configures_one_pipeline()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        var services = new ServiceCollection();
        services.AddDocMapClient(o => o.ApiKey = ApiKey);
        services.AddDocMapClient(o => o.BaseAddress = new Uri(Server.Url!));
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        await provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync();

        var request = Assert.Single(Requests);
        Assert.Equal($"Bearer {ApiKey}", Assert.Single(request.Headers!["Authorization"]));
        Assert.Matches(@"^DocMap\.Client/[0-9.]+$", string.Join(" ", request.Headers!["User-Agent"]));
    }

    [Fact]
    public void Start_up_validation_names_the_missing_configuration_key()
    {
        var services = new ServiceCollection();
        services.AddDocMapClient(Section(new() { ["BaseAddress"] = "https://api.docmap.io" }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("DocMapClientOptions.ApiKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("'DocMap:ApiKey'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_up_validation_names_every_bad_setting_and_never_the_key()
    {
        var services = new ServiceCollection();
        services.AddDocMapClient(Section(new()
        {
            ["ApiKey"] = ApiKey,
            ["BaseAddress"] = "/relative/path",
            ["MaxRetries"] = "99",
            ["Timeout"] = "-00:00:01",
            ["MaxResponseBytes"] = "0",
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("DocMap:BaseAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMap:MaxRetries", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMap:Timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMapClientOptions.MaxResponseBytes (configuration key 'DocMap:MaxResponseBytes') must be between 1024", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_up_validation_with_a_delegate_names_the_option()
    {
        var services = new ServiceCollection();
        services.AddDocMapClient(o => o.ApiKey = "  ");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("DocMapClientOptions.ApiKey is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_can_switch_the_built_in_policy_off_and_add_their_own_handler()
    {
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "x"));
        var seen = new List<string?>();
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
            {
                o.ApiKey = ApiKey;
                o.BaseAddress = new Uri(Server.Url!);
                o.UseBuiltInResilience = false;
            })
            .AddHttpMessageHandler(() => new RecordingHandler(seen));
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAsync<DocMapApiException>(() => provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync());

        // The user's handler runs inside the SDK's (it sees the auth header), and nothing retried.
        Assert.Equal(["Bearer"], seen);
        Assert.Single(Requests);
    }

    [Fact]
    public async Task Logs_of_the_http_client_factory_never_contain_the_api_key()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        Respond("/v1/webhooks/wh_1", "DELETE", 401, Error("UNAUTHORIZED", "Invalid API key"));
        await using var provider = ClientWithFakeLogging(LogLevel.Trace);
        var api = provider.GetRequiredService<IDocMapApi>();

        await api.ListWebhooksAsync();
        await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_1"));

        var records = provider.GetFakeLogCollector().GetSnapshot();
        // The client does log its calls (method, path, status, duration)...
        Assert.Contains(records, r => r.Message == "DocMap API GET /v1/webhooks sending");
        Assert.Contains(records, r => r.Level == LogLevel.Debug && r.Id.Id == 2 && r.Message.StartsWith("DocMap API GET /v1/webhooks answered 200", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Message.StartsWith("DocMap API DELETE /v1/webhooks/wh_1 answered 401", StringComparison.Ordinal));

        // ...and no record, formatted or structured, carries the key (the factory's default header records would).
        foreach (var record in records)
        {
            Assert.DoesNotContain(ApiKey, record.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKey, string.Join("|", record.StructuredState?.Select(kv => kv.Key + "=" + kv.Value) ?? []), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_attempt_is_logged_at_Debug_so_the_default_level_logs_only_failures_without_an_answer()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        Respond("/v1/webhooks/wh_1", "DELETE", 404, Error("NOT_FOUND", "gone"));
        await using var provider = ClientWithFakeLogging(LogLevel.Information);
        var api = provider.GetRequiredService<IDocMapApi>();

        await api.ListWebhooksAsync();
        await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_1"));

        // Answered attempts (2xx and 4xx alike) are Debug (event 2): nothing at Information.
        Assert.Equal(2, Requests.Count);
        Assert.DoesNotContain(provider.GetFakeLogCollector().GetSnapshot(), r => r.Category == "DocMap.Client.Http");

        // An attempt that got no answer stays a Warning (event 3).
        var unreachable = new ServiceCollection();
        unreachable.AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddFakeLogging());
        unreachable.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri($"http://127.0.0.1:{Ports.Closed()}");
            o.MaxRetries = 0;
        });
        await using var unreachableProvider = unreachable.BuildServiceProvider();
        await Assert.ThrowsAsync<HttpRequestException>(() => unreachableProvider.GetRequiredService<IDocMapApi>().ListWebhooksAsync());
        var failed = Assert.Single(unreachableProvider.GetFakeLogCollector().GetSnapshot(), r => r.Category == "DocMap.Client.Http");
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Equal(3, failed.Id.Id);
    }

    private sealed class RecordingHandler(List<string?> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.Authorization?.Scheme);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task The_bound_MaxResponseBytes_is_the_limit_the_pipeline_enforces()
    {
        Respond("/v1/webhooks", "GET", 200, $$"""{"data":[{{string.Join(",", Enumerable.Repeat(Examples.Webhook, 20))}}]}""");
        var services = new ServiceCollection();
        services.AddDocMapClient(Section(new() { ["ApiKey"] = ApiKey, ["BaseAddress"] = Server.Url, ["MaxResponseBytes"] = "1024" }));
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync());

        Assert.Contains("DocMapClientOptions.MaxResponseBytes (1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Single(Requests);
    }

    /// <summary>A provider with the DocMap client on the WireMock server and fake logging from <paramref name="minimumLevel"/>.</summary>
    private ServiceProvider ClientWithFakeLogging(LogLevel minimumLevel)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(minimumLevel).AddFakeLogging());
        services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri(Server.Url!);
        });
        return services.BuildServiceProvider();
    }
}

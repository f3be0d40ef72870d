using System.Net;
using System.Text.RegularExpressions;

namespace DocMap.Client.Testing.Tests;

public sealed partial class EmulatorApiTests
{
    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Hex64();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoMillisUtc();

    [Fact]
    public async Task Starts_on_a_loopback_port_with_a_generated_test_key()
    {
        await using var first = DocMapEmulator.Start();
        await using var second = DocMapEmulator.Start();

        Assert.Equal("127.0.0.1", first.Url.Host);
        Assert.Equal("http", first.Url.Scheme);
        Assert.NotEqual(0, first.Url.Port);
        Assert.NotEqual(first.Url.Port, second.Url.Port);
        Assert.Matches("^dm_test_[0-9a-f]{64}$", first.ApiKey);
        Assert.NotEqual(first.ApiKey, second.ApiKey);
        Assert.DoesNotContain(first.ApiKey, first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_rejects_a_non_positive_delivery_timeout()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = TimeSpan.Zero }));
        Assert.Equal("options", ex.ParamName);
        Assert.Contains("DeliveryTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_releases_the_port_and_is_idempotent()
    {
        var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        Assert.Equal(HttpStatusCode.OK, (await api.ListWebhooksAsync()).Status);

        await emulator.DisposeAsync();
        await emulator.DisposeAsync();

        // Nothing answers with our key any more: the connection is refused (or, if a parallel test's emulator has
        // since been given the freed port, that emulator refuses our key).
        ApiResponse? after = null;
        try
        {
            after = await api.ListWebhooksAsync();
        }
        catch (HttpRequestException)
        {
        }

        Assert.True(after is null || after.Status == HttpStatusCode.Unauthorized, $"answered {after?.Status}");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("dm_live_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("")]
    public async Task Every_endpoint_answers_401_UNAUTHORIZED_without_the_right_key(string? key)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator, key ?? "x");
        if (key is null || key.Length == 0)
        {
            api.Http.DefaultRequestHeaders.Authorization = null;
        }

        var responses = new[]
        {
            await api.CreateAsync("https://example.com/hook", "extraction.completed"),
            await api.ListWebhooksAsync(),
            await api.ListDeliveriesAsync(),
            await api.DeleteAsync("wh_1"),
        };

        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
            Assert.Equal("UNAUTHORIZED", response.ErrorCode);
            Assert.False(string.IsNullOrEmpty(response.ErrorMessage));
            Assert.Equal("application/json", response.MediaType);
        }

        // Nothing was created by the rejected POST.
        using var good = new EmulatorApi(emulator);
        Assert.Equal(0, (await good.ListWebhooksAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task Create_returns_a_fresh_64_hex_secret_and_the_webhook()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var first = await api.CreateAsync("https://example.com/hooks/docmap", "extraction.completed", "extraction.failed");
        var second = await api.CreateAsync("http://localhost:5000/hook", "extraction.failed");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        var data = first.Data;
        var secret = data.GetProperty("secret").GetString()!;
        Assert.Matches(Hex64(), secret);
        Assert.NotEqual(secret, second.Data.GetProperty("secret").GetString());

        var webhook = data.GetProperty("webhook");
        Assert.StartsWith("wh_", webhook.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(emulator.UserId, webhook.GetProperty("userId").GetString());
        Assert.Equal("https://example.com/hooks/docmap", webhook.GetProperty("url").GetString());
        Assert.Equal(["extraction.completed", "extraction.failed"], webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(webhook.GetProperty("active").GetBoolean());
        Assert.Matches(IsoMillisUtc(), webhook.GetProperty("createdAt").GetString()!);
        Assert.NotEqual(webhook.GetProperty("id").GetString(), second.Data.GetProperty("webhook").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"events":["extraction.completed"]}""")]
    [InlineData("""{"url":"","events":["extraction.completed"]}""")]
    [InlineData("""{"url":42,"events":["extraction.completed"]}""")]
    [InlineData("""{"url":"/relative/hook","events":["extraction.completed"]}""")]
    [InlineData("""{"url":"ftp://example.com/hook","events":["extraction.completed"]}""")]
    [InlineData("""{"url":"https://example.com/hook"}""")]
    [InlineData("""{"url":"https://example.com/hook","events":[]}""")]
    [InlineData("""{"url":"https://example.com/hook","events":"extraction.completed"}""")]
    [InlineData("""{"url":"https://example.com/hook","events":["extraction.archived"]}""")]
    [InlineData("""{"url":"https://example.com/hook","events":[""]}""")]
    [InlineData("""{"url":"https://example.com/hook","events":[null]}""")]
    [InlineData("""["https://example.com/hook"]""")]
    [InlineData("""{"url":"https://example.com/hook","events":[""")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Create_rejects_bad_input_with_400_VALIDATION_ERROR_and_creates_nothing(string body)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(HttpMethod.Post, "v1/webhooks", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
        Assert.Equal(0, (await api.ListWebhooksAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task The_eleventh_active_webhook_is_refused_with_MAX_WEBHOOKS_REACHED_until_one_is_deleted()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var ids = new List<string>();
        for (var i = 0; i < DocMapEmulator.MaxActiveWebhooks; i++)
        {
            ids.Add((await api.CreateOkAsync($"https://example.com/hook/{i}", "extraction.completed")).Id);
        }

        var refused = await api.CreateAsync("https://example.com/hook/10", "extraction.completed");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("MAX_WEBHOOKS_REACHED", refused.ErrorCode);
        Assert.Equal(10, (await api.ListWebhooksAsync()).Data.GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync(ids[3])).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.CreateAsync("https://example.com/hook/10", "extraction.completed")).Status);
    }

    [Fact]
    public async Task Concurrent_creates_never_exceed_the_limit()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            Task.Run(() => api.CreateAsync($"https://example.com/hook/{i}", "extraction.completed"))));

        Assert.Equal(10, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(14, responses.Count(r => r.Status == HttpStatusCode.BadRequest && r.ErrorCode == "MAX_WEBHOOKS_REACHED"));
        var secrets = responses.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Data.GetProperty("secret").GetString()).ToHashSet();
        Assert.Equal(10, secrets.Count);
        Assert.Equal(10, (await api.ListWebhooksAsync()).Data.GetArrayLength());
        Assert.Equal(24, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
    }

    [Fact]
    public async Task List_returns_every_webhook_in_creation_order_and_never_a_secret()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var a = await api.CreateOkAsync("https://example.com/a", "extraction.completed");
        var b = await api.CreateOkAsync("https://example.com/b", "extraction.failed");

        var response = await api.ListWebhooksAsync();

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var list = response.Data.EnumerateArray().ToArray();
        Assert.Equal([a.Id, b.Id], list.Select(w => w.GetProperty("id").GetString()!));
        Assert.Equal("https://example.com/b", list[1].GetProperty("url").GetString());
        Assert.All(list, w => Assert.False(w.TryGetProperty("secret", out _)));
        Assert.DoesNotContain(a.Secret, response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(b.Secret, response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_answers_success_true_then_404_NOT_FOUND()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var keep = await api.CreateOkAsync("https://example.com/keep", "extraction.completed");
        var gone = await api.CreateOkAsync("https://example.com/gone", "extraction.completed");

        var deleted = await api.DeleteAsync(gone.Id);
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal("""{"success":true}""", deleted.Body);

        var again = await api.DeleteAsync(gone.Id);
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        Assert.Equal("NOT_FOUND", again.ErrorCode);

        var list = (await api.ListWebhooksAsync()).Data.EnumerateArray().Select(w => w.GetProperty("id").GetString()!).ToArray();
        Assert.Equal([keep.Id], list);
    }

    [Theory]
    [InlineData("wh_unknown")]
    [InlineData("../x")]
    [InlineData("wh 1?x=y")]
    public async Task Delete_of_an_unknown_or_odd_id_is_404_NOT_FOUND(string id)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("https://example.com/a", "extraction.completed");

        var response = await api.DeleteAsync(id);

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("NOT_FOUND", response.ErrorCode);
        Assert.Equal(1, (await api.ListWebhooksAsync()).Data.GetArrayLength());
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=101")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=abc")]
    [InlineData("?limit=")]
    [InlineData("?limit=1&limit=2")]
    public async Task Deliveries_reject_a_limit_outside_1_to_100_with_VALIDATION_ERROR(string query)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.ListDeliveriesAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
    }

    [Theory]
    [InlineData("?limit=1")]
    [InlineData("?limit=100")]
    [InlineData("")]
    public async Task Deliveries_accept_limits_at_the_bounds(string query)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.ListDeliveriesAsync(query);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(0, response.Data.GetArrayLength());
    }

    [Theory]
    [InlineData("GET", "/v1/unknown")]
    [InlineData("PUT", "/v1/webhooks")]
    [InlineData("GET", "/")]
    public async Task Unknown_routes_answer_404_NOT_FOUND_in_the_error_envelope(string method, string path)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(new HttpMethod(method), path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("NOT_FOUND", response.ErrorCode);
        var logged = Assert.Single(emulator.Requests);
        Assert.Null(logged.Endpoint);
        Assert.Equal(404, logged.StatusCode);
    }

    [Fact]
    public async Task The_request_log_counts_per_endpoint_and_keeps_no_api_key()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("https://example.com/a", "extraction.completed");
        await api.ListWebhooksAsync();
        await api.ListWebhooksAsync();
        await api.ListDeliveriesAsync("?limit=5&webhookId=wh_x");

        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
        Assert.Equal(2, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks));
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
        Assert.Equal(0, emulator.GetRequestCount(DocMapEndpoint.DeleteWebhook));

        var requests = emulator.Requests;
        Assert.Equal(4, requests.Count);
        Assert.Equal("POST", requests[0].Method);
        Assert.Equal("/v1/webhooks", requests[0].Path);
        Assert.Contains("https://example.com/a", requests[0].Body, StringComparison.Ordinal);
        Assert.Equal("/v1/webhooks/deliveries?limit=5&webhookId=wh_x", requests[3].Path);
        Assert.All(requests, r => Assert.Equal(200, r.StatusCode));
        Assert.All(requests, r => Assert.DoesNotContain(emulator.ApiKey, r.ToString() + r.Body, StringComparison.Ordinal));
    }
}

using System.Diagnostics;
using System.Net;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing.Tests;

/// <summary>The real DocMap client (Refit, resilience, typed errors) against the emulator.</summary>
public sealed class ClientAgainstEmulatorTests
{
    private static void FastRetries(DocMapClientOptions options)
    {
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        options.Timeout = TimeSpan.FromSeconds(30);
    }

    [Fact]
    public async Task The_whole_lifecycle_works_through_the_typed_client()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();

        var created = (await client.CreateWebhookAsync(new CreateWebhookRequest(
            receiver.HookUrl("a"),
            [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]))).Data;
        receiver.Expect("a", created.Secret);

        Assert.Matches("^[0-9a-f]{64}$", created.Secret);
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
        Assert.Equal(receiver.HookUrl("a"), created.Webhook.Url);
        Assert.Equal(emulator.UserId, created.Webhook.UserId);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], created.Webhook.Events);
        Assert.True(created.Webhook.Active);
        Assert.Equal(TimeSpan.Zero, created.Webhook.CreatedAt.Offset);
        Assert.InRange(created.Webhook.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var listed = Assert.Single((await client.ListWebhooksAsync()).Data);
        Assert.Equal(created.Webhook.Id, listed.Id);
        Assert.Equal(created.Webhook.CreatedAt, listed.CreatedAt);

        var completed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var failed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));
        Assert.All(receiver.Received, r => Assert.True(r.Verified));

        var deliveries = (await client.ListDeliveriesAsync(created.Webhook.Id, 10)).Data;
        Assert.Equal([failed.Id, completed.Id], deliveries.Select(d => d.Id));
        var first = deliveries[1];
        Assert.Equal(DeliveryStatus.Success, first.Status);
        Assert.Equal(200, first.HttpStatus);
        Assert.Null(first.Error);
        Assert.Equal(WebhookEventType.ExtractionCompleted, first.Event);
        Assert.Equal(completed.ExtractionId, first.ExtractionId);
        Assert.Equal(created.Webhook.Id, first.WebhookId);
        Assert.Equal(emulator.UserId, first.UserId);
        Assert.Equal(receiver.HookUrl("a"), first.Url);
        Assert.True(first.DurationMs >= 0);

        await client.DeleteWebhookAsync(created.Webhook.Id);
        Assert.Empty((await client.ListWebhooksAsync()).Data);
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.DeleteWebhook));
    }

    [Fact]
    public async Task A_failed_delivery_reads_back_as_Failed_with_a_null_status_and_an_error()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        await client.CreateWebhookAsync(new CreateWebhookRequest(TestReceiver.ClosedPortUrl(), [WebhookEventType.ExtractionFailed]));

        await emulator.TriggerAsync(WebhookEventType.ExtractionFailed);

        var delivery = Assert.Single((await client.ListDeliveriesAsync()).Data);
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.Null(delivery.HttpStatus);
        Assert.False(string.IsNullOrEmpty(delivery.Error));
    }

    [Fact]
    public async Task A_wrong_key_is_a_DocMapApiException_401_UNAUTHORIZED_without_the_key_in_the_message()
    {
        await using var emulator = DocMapEmulator.Start();
        const string wrongKey = "dm_live_1111111111111111111111111111111111111111111111111111111111111111";
        var client = DocMapClient.Create(wrongKey, new DocMapClientOptions { BaseAddress = emulator.Url });

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal(DocMapErrorCodes.Unauthorized, ex.ErrorCode);
        Assert.Equal("GET", ex.RequestMethod);
        Assert.Equal("/v1/webhooks", ex.RequestPath);
        Assert.DoesNotContain(wrongKey, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.ApiKey, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks)); // 401 is not retried
    }

    [Fact]
    public async Task The_eleventh_webhook_is_a_DocMapApiException_MAX_WEBHOOKS_REACHED()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            await client.CreateWebhookAsync(new CreateWebhookRequest($"https://example.com/{i}", [WebhookEventType.ExtractionCompleted]));
        }

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() =>
            client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/10", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal(DocMapErrorCodes.MaxWebhooksReached, ex.ErrorCode);
        Assert.Equal("POST", ex.RequestMethod);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public async Task Deleting_an_unknown_webhook_is_a_DocMapApiException_NOT_FOUND()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() => client.DeleteWebhookAsync("wh_missing"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal(DocMapErrorCodes.NotFound, ex.ErrorCode);
        Assert.Equal("/v1/webhooks/wh_missing", ex.RequestPath);
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.DeleteWebhook));
    }

    [Fact]
    public async Task Bad_arguments_fail_in_the_client_before_any_request_reaches_the_emulator()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.ListDeliveriesAsync(limit: 0));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.ListDeliveriesAsync(limit: 101));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateWebhookAsync(new CreateWebhookRequest("relative/url", [WebhookEventType.ExtractionCompleted])));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com", [])));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.DeleteWebhookAsync(""));

        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task A_GET_is_retried_through_injected_503s_and_succeeds()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(FastRetries);
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 2, HttpStatusCode.ServiceUnavailable);

        var webhooks = (await client.ListWebhooksAsync()).Data;

        Assert.Empty(webhooks);
        Assert.Equal(3, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks));
        Assert.Equal([503, 503, 200], emulator.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task A_GET_honours_Retry_After_on_an_injected_429()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(FastRetries);
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 1, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var deliveries = (await client.ListDeliveriesAsync()).Data;
        watch.Stop();

        Assert.Empty(deliveries);
        Assert.Equal(2, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
        var requests = emulator.Requests;
        Assert.Equal([429, 200], requests.Select(r => r.StatusCode));
        // The retry waited for the server's Retry-After (1 s), not the 10 ms base delay.
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {requests[1].ReceivedAt - requests[0].ReceivedAt}");
    }

    [Fact]
    public async Task A_DELETE_is_retried_through_an_injected_503()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(FastRetries);
        var created = (await client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted]))).Data;
        emulator.FailNext(DocMapEndpoint.DeleteWebhook, 1, HttpStatusCode.BadGateway);

        await client.DeleteWebhookAsync(created.Webhook.Id);

        Assert.Equal(2, emulator.GetRequestCount(DocMapEndpoint.DeleteWebhook));
        Assert.Empty((await client.ListWebhooksAsync()).Data);
    }

    [Fact]
    public async Task A_POST_is_never_retried_exactly_one_request_reaches_the_emulator()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(FastRetries);
        emulator.FailNext(DocMapEndpoint.CreateWebhook, 1, HttpStatusCode.ServiceUnavailable);

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() =>
            client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(DocMapErrorCodes.InternalError, ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
        Assert.Empty((await client.ListWebhooksAsync()).Data);
    }

    [Fact]
    public async Task When_retries_run_out_the_last_status_surfaces_as_DocMapApiException()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(o =>
        {
            FastRetries(o);
            o.MaxRetries = 2;
        });
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 5, HttpStatusCode.ServiceUnavailable);

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_cap_is_not_waited_for()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient(o =>
        {
            FastRetries(o);
            o.MaxRetryAfter = TimeSpan.FromSeconds(5);
        });
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(10));

        var ex = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal(DocMapErrorCodes.UsageLimitExceeded, ex.ErrorCode);
        Assert.Equal(TimeSpan.FromMinutes(10), ex.RetryAfter);
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks));
    }

    [Fact]
    public async Task CreateClient_applies_the_callers_settings_and_refuses_after_dispose()
    {
        var emulator = DocMapEmulator.Start();
        var ex = Assert.ThrowsAny<ArgumentException>(() => emulator.CreateClient(o => o.MaxRetries = 99));
        Assert.Contains("MaxRetries", ex.Message, StringComparison.Ordinal);

        var noRetries = emulator.CreateClient(o => o.MaxRetries = 0);
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.ServiceUnavailable);
        await Assert.ThrowsAsync<DocMapApiException>(() => noRetries.ListWebhooksAsync());
        Assert.Equal(1, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks));

        await emulator.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => emulator.CreateClient());
    }
}

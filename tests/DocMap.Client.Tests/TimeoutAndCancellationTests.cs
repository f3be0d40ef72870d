using System.Diagnostics;

namespace DocMap.Client.Tests;

public sealed class TimeoutAndCancellationTests : WireMockTestBase
{
    private void SlowWebhooks() =>
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));

    [Fact]
    public async Task Caller_cancellation_is_an_OperationCanceledException_not_a_timeout()
    {
        SlowWebhooks();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var client = CreateClient(o => o.Timeout = TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListWebhooksAsync(cts.Token));

        Assert.IsNotType<TimeoutException>(error.InnerException);
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task A_caller_cancellation_racing_the_attempt_timeout_is_still_an_OperationCanceledException()
    {
        // The caller cancels at the moment the last attempt times out (the primary handler below does it
        // deterministically: it waits for the attempt's token, cancels the caller's, then reports the cancellation).
        // Polly then throws TimeoutRejectedException, which became a TimeoutException although the caller gave up.
        using var caller = new CancellationTokenSource();
        var client = DocMapClient.Create(
            ApiKey,
            new DocMapClientOptions { BaseAddress = new Uri(Server.Url!), AttemptTimeout = TimeSpan.FromMilliseconds(200), MaxRetries = 0 },
            new CancelsTheCallerWhenTheAttemptTimesOut(caller));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListWebhooksAsync(caller.Token));

        Assert.Equal(caller.Token, error.CancellationToken);
        Assert.Empty(Requests);
    }

    private sealed class CancelsTheCallerWhenTheAttemptTimesOut(CancellationTokenSource caller) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await caller.CancelAsync();
                throw;
            }

            throw new InvalidOperationException("The attempt timeout did not fire within 30 seconds.");
        }
    }

    [Fact]
    public async Task An_already_cancelled_token_sends_nothing()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateClient().ListWebhooksAsync(cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]), cts.Token));

        Assert.Empty(Requests);
    }

    [Fact]
    public async Task Cancellation_during_a_retry_wait_stops_the_call()
    {
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "x"), extra: r => r.WithHeader("Retry-After", "20"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateClient().ListWebhooksAsync(cts.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.InRange(Requests.Count, 0, 1); // no retry was sent (on a starved machine the first may not even have landed)
    }

    [Fact]
    public async Task The_client_timeout_is_a_TimeoutException_saying_how_long_it_waited()
    {
        SlowWebhooks();
        var client = CreateClient(o =>
        {
            o.Timeout = TimeSpan.FromMilliseconds(400);
            o.AttemptTimeout = TimeSpan.FromSeconds(30);
        });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("400 milliseconds", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMapClientOptions.Timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("GET /v1/webhooks", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_timeout_covers_retries_and_their_waits()
    {
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "x"), extra: r => r.WithHeader("Retry-After", "20"));
        var client = CreateClient(o =>
        {
            o.Timeout = TimeSpan.FromSeconds(1.5);
            o.MaxRetryAfter = TimeSpan.FromSeconds(60);
        });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("1.5 seconds", error.Message, StringComparison.Ordinal);
        Assert.InRange(Requests.Count, 0, 1); // the 20 s Retry-After wait was cut short by the 1.5 s timeout
    }

    [Fact]
    public async Task The_client_timeout_applies_with_the_built_in_policy_off()
    {
        SlowWebhooks();
        var client = CreateClient(o =>
        {
            o.UseBuiltInResilience = false;
            o.Timeout = TimeSpan.FromMilliseconds(300);
        });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());
        Assert.Contains("300 milliseconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attempt_timeout_after_the_headers_arrived_says_the_body_was_still_arriving()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress, AttemptTimeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Contains("POST /v1/webhooks", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMapClientOptions.AttemptTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("response headers (201) arrived", error.Message, StringComparison.Ordinal);
        Assert.Contains("body", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no response", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attempt_timeout_without_any_answer_says_no_response_came()
    {
        await using var server = new RawHttpServer((index, request, stream, socket, ct) => Task.Delay(Timeout.Infinite, ct));
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress, AttemptTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("GET /v1/webhooks", error.Message, StringComparison.Ordinal);
        Assert.Contains("no response", error.Message, StringComparison.Ordinal);
        Assert.Contains("DocMapClientOptions.AttemptTimeout", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("headers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_GET_whose_last_attempt_stalls_mid_body_says_so_after_retries()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress, AttemptTimeout = TimeSpan.FromMilliseconds(250), MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("response headers (200) arrived", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task The_whole_call_timeout_during_a_stalled_body_says_the_headers_had_arrived()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMilliseconds(400), AttemptTimeout = TimeSpan.FromSeconds(30) });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("DocMapClientOptions.Timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("response headers (200) arrived", error.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using DocMap.Client.Internal;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace DocMap.Client.Tests;

public sealed class RetryTests : WireMockTestBase
{
    /// <summary>First answer <paramref name="first"/>, every later one <paramref name="then"/> (a WireMock scenario).</summary>
    private void Sequence(string path, string method, IResponseBuilder first, IResponseBuilder then)
    {
        Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .InScenario(path + method).WillSetStateTo("answered once").RespondWith(first);
        Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .InScenario(path + method).WhenStateIs("answered once").RespondWith(then);
    }

    private static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    [Fact]
    public async Task GET_429_with_Retry_After_seconds_then_200_is_retried_after_the_delay()
    {
        Sequence("/v1/webhooks", "GET",
            Json(429, Error("USAGE_LIMIT_EXCEEDED", "slow down")).WithHeader("Retry-After", "1"),
            Json(200, Examples.ListWebhooksResponse));

        var webhooks = (await CreateClient(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(1)).ListWebhooksAsync()).Data;

        Assert.Single(webhooks);
        var requests = Requests;
        Assert.Equal(2, requests.Count);
        var gap = requests[1].DateTime - requests[0].DateTime;
        // Retry-After: 1 was honoured (the backoff alone would be about 1 ms); generous upper bound for a busy machine.
        Assert.InRange(gap, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task GET_503_with_Retry_After_http_date_is_retried_after_that_date()
    {
        var retryAt = DateTimeOffset.UtcNow.AddSeconds(2);
        Sequence("/v1/webhooks/deliveries", "GET",
            Json(503, Error("INTERNAL_ERROR", "busy")).WithHeader("Retry-After", retryAt.ToString("R")),
            Json(200, Examples.DeliveriesResponse));

        var deliveries = (await CreateClient(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(1)).ListDeliveriesAsync()).Data;

        Assert.Equal(2, deliveries.Count);
        var requests = Requests;
        Assert.Equal(2, requests.Count);
        // The HTTP date has one-second resolution: the retry comes no earlier than the truncated date.
        var truncated = new DateTimeOffset(retryAt.Year, retryAt.Month, retryAt.Day, retryAt.Hour, retryAt.Minute, retryAt.Second, TimeSpan.Zero);
        Assert.True(requests[1].DateTime >= truncated.UtcDateTime.AddMilliseconds(-100), $"retried at {requests[1].DateTime:O}, asked for {truncated:O}");
        Assert.True(requests[1].DateTime - requests[0].DateTime < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_cap_is_not_waited_for()
    {
        Respond("/v1/webhooks", "GET", 429, Error("USAGE_LIMIT_EXCEEDED", "come back in an hour"), extra: r => r.WithHeader("Retry-After", "3600"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(
            () => CreateClient(o => o.MaxRetryAfter = TimeSpan.FromSeconds(5)).ListWebhooksAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Single(Requests);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(DocMapErrorCodes.UsageLimitExceeded, error.ErrorCode);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
    }

    [Fact]
    public async Task POST_503_reaches_the_server_exactly_once()
    {
        Respond("/v1/webhooks", "POST", 503, Error("INTERNAL_ERROR", "unavailable"), extra: r => r.WithHeader("Retry-After", "0"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(
            () => CreateClient(o => o.MaxRetries = 5).CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Single(Requests);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task DELETE_transient_status_then_success_is_retried(int status)
    {
        Sequence("/v1/webhooks/wh_1", "DELETE", Json(status, Error("INTERNAL_ERROR", "x")), Json(200, Examples.DeleteResponse));

        await CreateClient().DeleteWebhookAsync("wh_1");

        Assert.Equal(2, Requests.Count);
        Assert.All(Requests, r => Assert.Equal("/v1/webhooks/wh_1", r.AbsolutePath));
    }

    [Fact]
    public async Task Retries_stop_after_MaxRetries_and_surface_the_last_answer()
    {
        Respond("/v1/webhooks", "GET", 500, Error("INTERNAL_ERROR", "still broken"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient(o => o.MaxRetries = 3).ListWebhooksAsync());

        Assert.Equal(4, Requests.Count);
        Assert.Equal(DocMapErrorCodes.InternalError, error.ErrorCode);
        Assert.Equal("still broken", error.ServerMessage);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(501)]
    public async Task Non_transient_statuses_are_not_retried(int status)
    {
        Respond("/v1/webhooks", "GET", status, Error("X", "y"));
        await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());
        Assert.Single(Requests);
    }

    [Fact]
    public async Task With_the_built_in_policy_off_nothing_is_retried()
    {
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "x"));
        await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient(o => o.UseBuiltInResilience = false).ListWebhooksAsync());
        Assert.Single(Requests);
    }

    [Fact]
    public async Task A_GET_attempt_that_times_out_is_retried()
    {
        // WireMock logs (and calls back for) a delayed request only once it answers, so attempts are counted on the
        // wire side of the client, at the primary handler.
        Sequence("/v1/webhooks", "GET",
            Json(200, Examples.ListWebhooksResponse).WithDelay(TimeSpan.FromSeconds(4)),
            Json(200, Examples.ListWebhooksResponse));
        using var counter = new CountingHandler();
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = new Uri(Server.Url!), AttemptTimeout = TimeSpan.FromSeconds(1), RetryBaseDelay = TimeSpan.FromMilliseconds(1) }, counter);

        var webhooks = (await client.ListWebhooksAsync()).Data;

        // The first attempt (held 4 s by the server) timed out after 1 s and a retry got the answer. (On a starved
        // machine a fast retry may itself exceed 1 s and be retried once more, hence "at least".)
        Assert.Single(webhooks);
        Assert.InRange(counter.Count, 2, 4);
    }

    [Fact]
    public async Task GET_attempts_that_all_time_out_end_in_a_TimeoutException_naming_the_attempt_timeout()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));
        using var counter = new CountingHandler();
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions
        {
            BaseAddress = new Uri(Server.Url!),
            AttemptTimeout = TimeSpan.FromMilliseconds(200),
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        }, counter);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("200 milliseconds", error.Message, StringComparison.Ordinal);
        Assert.Contains("AttemptTimeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, counter.Count);
    }

    [Fact]
    public async Task A_POST_attempt_that_times_out_is_a_TimeoutException_naming_the_attempt_timeout_and_is_not_retried()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));
        using var counter = new CountingHandler();
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = new Uri(Server.Url!), AttemptTimeout = TimeSpan.FromMilliseconds(250), MaxRetries = 5 }, counter);

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => client.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Contains("250 milliseconds", error.Message, StringComparison.Ordinal);
        Assert.Contains("AttemptTimeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_of_at_most_half()
    {
        var baseDelay = TimeSpan.FromMilliseconds(200);
        var now = DateTimeOffset.UtcNow;
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var full = 200 * Math.Pow(2, attempt - 1);
            Assert.Equal(full, DocMapResilience.ComputeDelay(attempt, null, baseDelay, now, random: 0).TotalMilliseconds, 3);
            Assert.Equal(full / 2, DocMapResilience.ComputeDelay(attempt, null, baseDelay, now, random: 1).TotalMilliseconds, 3);
            Assert.Equal(full * 0.75, DocMapResilience.ComputeDelay(attempt, null, baseDelay, now, random: 0.5).TotalMilliseconds, 3);
        }

        Assert.Equal(DocMapResilience.MaxBackoff, DocMapResilience.ComputeDelay(40, null, baseDelay, now, random: 0));
    }

    [Fact]
    public void Retry_After_wins_over_backoff_as_delta_or_date()
    {
        var now = new DateTimeOffset(2025, 1, 20, 14, 30, 0, TimeSpan.Zero);
        using var delta = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        delta.Headers.TryAddWithoutValidation("Retry-After", "7");
        Assert.Equal(TimeSpan.FromSeconds(7), DocMapResilience.ComputeDelay(1, delta, TimeSpan.FromMilliseconds(100), now, 0.3));

        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(12).ToString("R"));
        Assert.Equal(TimeSpan.FromSeconds(12), DocMapResilience.ComputeDelay(1, date, TimeSpan.FromMilliseconds(100), now, 0.3));

        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(-12).ToString("R"));
        Assert.Equal(TimeSpan.Zero, DocMapResilience.ComputeDelay(1, past, TimeSpan.FromMilliseconds(100), now, 0.3));

        Assert.True(DocMapResilience.ShouldRetry(delta, TimeSpan.FromSeconds(7), now));
        Assert.False(DocMapResilience.ShouldRetry(delta, TimeSpan.FromSeconds(6), now));
    }
}

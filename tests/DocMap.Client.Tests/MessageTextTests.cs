using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using DocMap.Client.Internal;

namespace DocMap.Client.Tests;

/// <summary>The words of the client's messages: when to retry after a 429, durations, a missing API key.</summary>
public sealed partial class MessageTextTests : WireMockTestBase
{
    [Fact]
    public async Task A_429_with_Retry_After_in_seconds_says_how_long_to_wait_and_until_when()
    {
        Respond("/v1/webhooks", "GET", 429, Error("USAGE_LIMIT_EXCEEDED", "Usage limit exceeded. Retry later."), extra: r => r.WithHeader("Retry-After", "120"));
        var before = DateTimeOffset.UtcNow;

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());   // 120 s > MaxRetryAfter: not waited for

        var after = DateTimeOffset.UtcNow;
        var match = RetryHint().Match(error.Message);
        Assert.True(match.Success, error.Message);
        Assert.StartsWith("DocMap API GET /v1/webhooks failed with 429 (TooManyRequests) USAGE_LIMIT_EXCEEDED: Usage limit exceeded. Retry later. Retry after 120 seconds (at ", error.Message, StringComparison.Ordinal);
        var at = DateTimeOffset.ParseExact(match.Groups["at"].Value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(at, before.AddSeconds(119), after.AddSeconds(121));
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
    }

    [Fact]
    public async Task A_Retry_After_HTTP_date_is_repeated_as_that_moment()
    {
        var retryAt = DateTimeOffset.UtcNow.AddHours(1);
        retryAt = new DateTimeOffset(retryAt.Year, retryAt.Month, retryAt.Day, retryAt.Hour, retryAt.Minute, retryAt.Second, TimeSpan.Zero);
        Respond("/v1/webhooks", "GET", 503, Error("INTERNAL_ERROR", "Maintenance"), extra: r => r.WithHeader("Retry-After", retryAt.ToString("R", CultureInfo.InvariantCulture)));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Matches(@"^DocMap API GET /v1/webhooks failed with 503 \(ServiceUnavailable\) INTERNAL_ERROR: Maintenance\. Retry after (1 hour|35\d\d seconds) \(at ", error.Message);
        Assert.EndsWith($"(at {retryAt:yyyy-MM-dd'T'HH:mm:ss'Z'}).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_second_is_singular_and_an_answer_without_Retry_After_says_nothing_of_retrying()
    {
        Respond("/v1/webhooks", "POST", 429, Error("USAGE_LIMIT_EXCEEDED", "Slow down"), extra: r => r.WithHeader("Retry-After", "1"));
        Respond("/v1/webhooks/deliveries", "GET", 404, Error("NOT_FOUND", "Nothing here"));
        var client = CreateClient();

        var limited = await Assert.ThrowsAsync<DocMapApiException>(() => client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/hook", [WebhookEventType.ExtractionCompleted])));
        var missing = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());

        Assert.Contains("USAGE_LIMIT_EXCEEDED: Slow down. Retry after 1 second (at ", limited.Message, StringComparison.Ordinal);
        Assert.Equal("DocMap API GET /v1/webhooks/deliveries failed with 404 (NotFound) NOT_FOUND: Nothing here", missing.Message);
    }

    [Fact]
    public async Task An_error_body_that_is_not_DocMaps_still_says_when_to_retry()
    {
        Respond("/v1/webhooks", "GET", 503, "<html>busy</html>", "text/html", r => r.WithHeader("Retry-After", "90"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient(o => o.MaxRetries = 0).ListWebhooksAsync());

        Assert.Contains("a proxy or gateway may have answered instead of DocMap. Retry after 90 seconds (at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_public_constructor_says_how_long_to_wait_when_given_one()
    {
        var error = new DocMapApiException(HttpStatusCode.TooManyRequests, DocMapErrorCodes.UsageLimitExceeded, "Usage limit exceeded", "GET", "/v1/webhooks", TimeSpan.FromSeconds(90));
        var plain = new DocMapApiException(HttpStatusCode.NotFound, DocMapErrorCodes.NotFound, null, "DELETE", "/v1/webhooks/wh_1");

        Assert.Equal("DocMap API GET /v1/webhooks failed with 429 (TooManyRequests) USAGE_LIMIT_EXCEEDED: Usage limit exceeded. Retry after 90 seconds.", error.Message);
        Assert.Equal("DocMap API DELETE /v1/webhooks/wh_1 failed with 404 (NotFound) NOT_FOUND.", plain.Message);
    }

    [Theory]
    [InlineData(1_000, "1 second")]
    [InlineData(1_500, "1.5 seconds")]
    [InlineData(2_000, "2 seconds")]
    [InlineData(1, "1 millisecond")]
    [InlineData(300, "300 milliseconds")]
    [InlineData(0, "0 seconds")]
    [InlineData(90_000, "90 seconds")]
    [InlineData(300_000, "300 seconds")]
    [InlineData(600_000, "10 minutes")]
    [InlineData(630_000, "630 seconds")]
    [InlineData(3_600_000, "1 hour")]
    [InlineData(7_200_000, "2 hours")]
    [InlineData(86_400_000, "24 hours")]
    public void Durations_read_as_people_write_them(long milliseconds, string expected)
    {
        Assert.Equal(expected, DocMapMessages.Describe(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void A_duration_that_rounds_to_one_is_singular()
    {
        Assert.Equal("1 second", DocMapMessages.Describe(TimeSpan.FromTicks(TimeSpan.TicksPerSecond + 4_000)));   // 1.0004 s
        Assert.Equal("1 millisecond", DocMapMessages.Describe(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond + 2)));
    }

    [Fact]
    public async Task A_one_second_timeout_is_one_second()
    {
        Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/v1/webhooks").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithBody(Examples.ListWebhooksResponse).WithDelay(TimeSpan.FromSeconds(4)));
        var client = CreateClient(o => o.Timeout = TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ListWebhooksAsync());

        Assert.Contains("did not complete within 1 second (DocMapClientOptions.Timeout)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_without_a_key_names_the_parameter_and_says_where_a_key_comes_from()
    {
        var missing = Assert.Throws<ArgumentNullException>(() => DocMapClient.Create(null!));
        var empty = Assert.Throws<ArgumentException>(() => DocMapClient.Create(""));
        var blank = Assert.Throws<ArgumentException>(() => DocMapClient.Create("   "));

        foreach (var error in new ArgumentException[] { missing, empty, blank })
        {
            Assert.Equal("apiKey", error.ParamName);
            Assert.Contains("DocMap dashboard", error.Message, StringComparison.Ordinal);
            Assert.Contains("DOCMAP_API_KEY environment variable", error.Message, StringComparison.Ordinal);
            Assert.EndsWith("(Parameter 'apiKey')", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_from_an_unset_environment_variable_as_the_README_does_gets_the_hint()
    {
        const string variable = "DOCMAP_TEST_UNSET_VARIABLE_7F3A";
        Assert.Null(Environment.GetEnvironmentVariable(variable));

        var error = Assert.Throws<ArgumentNullException>(() => DocMapClient.Create(Environment.GetEnvironmentVariable(variable)!));

        Assert.StartsWith("A DocMap API key is required", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Retry after 120 seconds \(at (?<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)\.$")]
    private static partial Regex RetryHint();
}

using System.Net;
using DocMap.Client;

namespace DocMap.Cli.Tests;

/// <summary>How the tool words DocMap's request to come back later.</summary>
public sealed class RetryHintTests
{
    [Theory]
    [InlineData(1, "(try again in 1 second)")]
    [InlineData(0.2, "(try again in 1 second)")]
    [InlineData(120, "(try again in 120 seconds)")]
    [InlineData(3600, "(try again in 1 hour)")]
    public void A_Retry_After_is_written_in_words_with_the_right_number(double seconds, string expected)
    {
        var error = new DocMapApiException(HttpStatusCode.TooManyRequests, DocMapErrorCodes.UsageLimitExceeded, "Usage limit exceeded.", "GET", "/v1/webhooks", TimeSpan.FromSeconds(seconds));

        var text = CliApp.DescribeApiError(error);

        Assert.Equal($"DocMap refused GET /v1/webhooks: HTTP 429 USAGE_LIMIT_EXCEEDED: Usage limit exceeded. {expected}", text);
    }
}

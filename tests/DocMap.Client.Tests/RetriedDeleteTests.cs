using System.Net;

namespace DocMap.Client.Tests;

public sealed class RetriedDeleteTests
{
    private const string NotFoundBody = """{"error":{"code":"NOT_FOUND","message":"Webhook not found"}}""";

    private static IDocMapApi Client(Uri baseAddress) => DocMapClient.Create(WireMockTestBase.ApiKey, new DocMapClientOptions
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    });

    [Fact]
    public async Task A_retried_DELETE_whose_first_attempt_was_reset_and_whose_retry_gets_404_NOT_FOUND_succeeds()
    {
        var requests = new List<string>();
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            lock (requests)
            {
                requests.Add(request);
            }

            if (index == 0)
            {
                // The server "deleted" the webhook, then the connection died before the answer.
                socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                socket.Close();
            }
            else
            {
                await RawHttpServer.WriteAsync(stream, RawHttpServer.Response(404, "Not Found", NotFoundBody), ct);
            }
        });

        await Client(server.BaseAddress).DeleteWebhookAsync("wh_1");

        Assert.Equal(2, server.Connections);
        Assert.All(requests, r => Assert.StartsWith("DELETE /v1/webhooks/wh_1 ", r, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(503, "Service Unavailable")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(408, "Request Timeout")]
    public async Task A_retried_DELETE_whose_first_attempt_got_a_408_or_5xx_and_whose_retry_gets_404_NOT_FOUND_succeeds(int status, string reason)
    {
        // DocMap may have deleted the webhook before answering 5xx (or 408): the retry's 404 means it is gone.
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(
                stream,
                index == 0
                    ? RawHttpServer.Response(status, reason, """{"error":{"code":"INTERNAL_ERROR","message":"x"}}""")
                    : RawHttpServer.Response(404, "Not Found", NotFoundBody),
                ct));

        await Client(server.BaseAddress).DeleteWebhookAsync("wh_1");

        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task A_retried_DELETE_whose_first_attempt_timed_out_and_whose_retry_gets_404_NOT_FOUND_succeeds()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            if (index == 0)
            {
                await Task.Delay(Timeout.Infinite, ct); // no answer: the attempt times out
            }

            await RawHttpServer.WriteAsync(stream, RawHttpServer.Response(404, "Not Found", NotFoundBody), ct);
        });
        var client = DocMapClient.Create(WireMockTestBase.ApiKey, new DocMapClientOptions
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(20),
            AttemptTimeout = TimeSpan.FromMilliseconds(300),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });

        await client.DeleteWebhookAsync("wh_1");

        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task A_first_attempt_404_NOT_FOUND_on_DELETE_still_throws()
    {
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, RawHttpServer.Response(404, "Not Found", NotFoundBody), ct));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress).DeleteWebhookAsync("wh_1"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal(DocMapErrorCodes.NotFound, error.ErrorCode);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task A_retried_DELETE_after_429_that_gets_404_still_throws()
    {
        // A 429 means the first attempt was refused, not carried out: a later 404 is a real "not found".
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(
                stream,
                index == 0
                    ? RawHttpServer.Response(429, "Too Many Requests", """{"error":{"code":"USAGE_LIMIT_EXCEEDED","message":"slow down"}}""")
                    : RawHttpServer.Response(404, "Not Found", NotFoundBody),
                ct));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress).DeleteWebhookAsync("wh_1"));

        Assert.Equal(DocMapErrorCodes.NotFound, error.ErrorCode);
        Assert.Equal(2, server.Connections);
    }
}

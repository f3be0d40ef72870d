using System.Diagnostics;

namespace DocMap.Client.Tests;

public sealed class BodyStallTests
{
    private const string ApiKey = WireMockTestBase.ApiKey;

    [Fact]
    public async Task A_GET_whose_body_stalls_after_the_headers_is_abandoned_after_AttemptTimeout_and_retried()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            if (index == 0)
            {
                // Headers promise 1000 bytes, then nothing comes: only the per-attempt timeout can end this.
                await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":", ct);
                await Task.Delay(Timeout.Infinite, ct);
            }
            else
            {
                await RawHttpServer.WriteAsync(stream, RawHttpServer.Response(200, "OK", Examples.ListWebhooksResponse), ct);
            }
        });

        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions
        {
            BaseAddress = server.BaseAddress,
            AttemptTimeout = TimeSpan.FromMilliseconds(300),
            Timeout = TimeSpan.FromSeconds(10),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });

        var watch = Stopwatch.StartNew();
        var webhooks = (await client.ListWebhooksAsync()).Data;
        watch.Stop();

        Assert.Single(webhooks);
        // The stalled attempt, then a retry that got the answer. On a loaded machine a retry can itself miss its 300 ms
        // and be retried again (each later connection answers at once), so more than two is fine; one is not.
        Assert.InRange(server.Connections, 2, 4);
        // Well under the overall 10 s Timeout: the stalled attempt was abandoned after about 300 ms.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_GET_whose_connection_drops_mid_body_is_retried()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            if (index == 0)
            {
                // Headers promise 1000 bytes, a few arrive, then the connection closes.
                await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":", ct);
                socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
            }
            else
            {
                await RawHttpServer.WriteAsync(stream, RawHttpServer.Response(200, "OK", Examples.ListWebhooksResponse), ct);
            }
        });

        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });

        var webhooks = (await client.ListWebhooksAsync()).Data;

        Assert.Single(webhooks);
        Assert.Equal(2, server.Connections);
    }
}

public sealed class NonTransientTransportErrorTests
{
    [Fact]
    public async Task A_response_whose_headers_exceed_the_handler_limit_is_not_retried()
    {
        // 100 KB of headers exceeds SocketsHttpHandler.MaxResponseHeadersLength (64 KB): the same answer would come
        // back on every attempt, so retrying only multiplies the load.
        var huge = new string('a', 100 * 1024);
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\nX-Huge: {huge}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}", ct));

        var client = DocMapClient.Create(WireMockTestBase.ApiKey, new DocMapClientOptions
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.ListWebhooksAsync());

        Assert.Equal(HttpRequestError.ConfigurationLimitExceeded, error.HttpRequestError);
        Assert.Equal(1, server.Connections);
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, true)]
    [InlineData(HttpRequestError.NameResolutionError, true)]
    [InlineData(HttpRequestError.ResponseEnded, true)]
    [InlineData(HttpRequestError.Unknown, true)]
    [InlineData(HttpRequestError.SecureConnectionError, true)]
    [InlineData(HttpRequestError.InvalidResponse, true)]
    [InlineData(HttpRequestError.ConfigurationLimitExceeded, false)]
    [InlineData(HttpRequestError.VersionNegotiationError, false)]
    [InlineData(HttpRequestError.ExtendedConnectNotSupported, false)]
    [InlineData(HttpRequestError.UserAuthenticationError, false)]
    public void Transport_errors_are_retried_unless_they_are_deterministic(HttpRequestError kind, bool retried)
    {
        Assert.Equal(retried, DocMap.Client.Internal.DocMapResilience.IsRetryableTransportError(new HttpRequestException(kind, "x")));
        // Whatever the kind, a socket or I/O failure underneath is worth another attempt.
        Assert.True(DocMap.Client.Internal.DocMapResilience.IsRetryableTransportError(new HttpRequestException(kind, "x", new IOException("reset"))));
    }
}

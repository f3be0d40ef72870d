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
        Assert.Equal(2, server.Connections);
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

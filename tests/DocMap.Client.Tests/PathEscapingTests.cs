using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DocMap.Client.Tests;

/// <summary>
/// The exact request line on the wire, read by a raw loopback socket: WireMock (Kestrel) decodes the path before it
/// can be inspected, so percent signs in an id are checked here byte for byte.
/// </summary>
public sealed class PathEscapingTests
{
    [Theory]
    [InlineData("wh_01HQ3K", "/v1/webhooks/wh_01HQ3K")]
    [InlineData("../x", "/v1/webhooks/..%2Fx")]
    [InlineData("a/b", "/v1/webhooks/a%2Fb")]
    [InlineData("x?y=1#z", "/v1/webhooks/x%3Fy%3D1%23z")]
    [InlineData("%2e%2e", "/v1/webhooks/%252e%252e")]
    [InlineData("..%2fx", "/v1/webhooks/..%252fx")]
    [InlineData("a%b", "/v1/webhooks/a%25b")]
    [InlineData("a b", "/v1/webhooks/a%20b")]
    [InlineData("ü", "/v1/webhooks/%C3%BC")]
    public async Task DeleteWebhook_sends_the_id_as_one_escaped_segment(string id, string expectedPath)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var requestLine = AnswerOneRequestAsync(listener);
            var client = DocMapClient.Create(WireMockTestBase.ApiKey, new DocMapClientOptions
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                MaxRetries = 0,
                Timeout = TimeSpan.FromSeconds(30),
            });

            var error = await Assert.ThrowsAsync<DocMapApiException>(() => client.DeleteWebhookAsync(id));

            Assert.Equal($"DELETE {expectedPath} HTTP/1.1", await requestLine.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
            Assert.Equal(expectedPath, error.RequestPath);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<string> AnswerOneRequestAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptTcpClientAsync();
        var stream = socket.GetStream();
        var buffer = new byte[8192];
        var received = new StringBuilder();
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var body = Encoding.ASCII.GetBytes("""{"error":{"code":"NOT_FOUND","message":"Webhook not found"}}""");
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head);
        await stream.WriteAsync(body);
        return received.ToString().Split("\r\n")[0];
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using DocMap.Client.Signatures;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>Senders that misbehave at the transport level, over a raw socket to Kestrel.</summary>
public sealed class DisconnectTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static async Task<FakeLogRecord> WaitForLogAsync(FakeLogCollector logs, Func<FakeLogRecord, bool> match, CancellationToken cancellationToken)
    {
        await foreach (var record in logs.GetLogsAsync(cancellationToken))
        {
            if (match(record))
            {
                return record;
            }
        }

        throw new InvalidOperationException("The log stream ended.");
    }

    [Fact]
    public async Task A_sender_that_disconnects_mid_body_never_reaches_the_handler_and_is_not_an_error()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDocMapWebhooksTests.MapDelegate);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var logged = WaitForLogAsync(host.Logs, r => r.Id.Id is 4006 or 4009, timeout.Token);
        var body = Deliveries.Body("ext_cut");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port, timeout.Token);
            var stream = tcp.GetStream();
            var head = $"POST {Deliveries.Path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nX-DocMap-Signature: {WebhookSigner.Sign(Secret, body)}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2), timeout.Token);
            await stream.FlushAsync(timeout.Token);
        }

        var record = await logged;

        Assert.True(record.Level <= LogLevel.Warning);
        Assert.Equal(0, host.Recorder.Count);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Error && r.Category?.StartsWith("DocMap", StringComparison.Ordinal) == true);

        // The server is still healthy.
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_after"), Secret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_sender_that_disconnects_mid_chunked_body_ends_the_read_without_reaching_the_handler()
    {
        // The endpoint reads the body with the request-aborted token: when the sender goes away the read ends, no hang.
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDocMapWebhooksTests.MapDelegate);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var logged = WaitForLogAsync(host.Logs, r => r.Id.Id is 4006 or 4009, timeout.Token);

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port, timeout.Token);
            var stream = tcp.GetStream();
            var head = $"POST {Deliveries.Path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nX-DocMap-Signature: {new string('a', 64)}\r\n\r\n10\r\n0123456789abcdef\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await stream.FlushAsync(timeout.Token);
            tcp.Client.Shutdown(SocketShutdown.Both);
        }

        await logged;
        Assert.Equal(0, host.Recorder.Count);
    }
}

using System.Net.Sockets;
using System.Text;

namespace DocMap.Client.Testing.Tests;

/// <summary>HTTP/1.1 over a raw socket, where the framing is the point: sends while reading, so a server that answers early is seen.</summary>
internal static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> (the request line and headers, CRLF-terminated) and then <paramref name="body"/>, and returns the answer's status and body as far as it came (bounded in time).</summary>
    public static async Task<(int Status, string Text)> SendAsync(Uri server, string head, byte[] body, TimeSpan bound)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(bound);
        await client.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = client.GetStream();

        var sending = Task.Run(
            async () =>
            {
                try
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
                    for (var offset = 0; offset < body.Length; offset += 64 * 1024)
                    {
                        await stream.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)), timeout.Token);
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
                {
                    // The server answered and closed while we were still sending: expected for refused bodies.
                }
            },
            timeout.Token);

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (received.Length < 64 * 1024)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headerEnd >= 0 && TryContentLength(text[..headerEnd], out var length) && received.Length >= headerEnd + 4 + length)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // Reset after the answer: what arrived counts.
        }

        client.Close();
        await sending.WaitAsync(bound).ContinueWith(_ => { }, TaskScheduler.Default);
        var answer = Encoding.UTF8.GetString(received.ToArray());
        var status = answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(answer.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (status, answer);
    }

    private static bool TryContentLength(string headers, out int length)
    {
        length = 0;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.TryParse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture, out length);
            }
        }

        return false;
    }
}

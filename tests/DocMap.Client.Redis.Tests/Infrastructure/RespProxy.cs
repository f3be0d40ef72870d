using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DocMap.Client.Redis.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a RESP server that records every command clients send (parsed from the RESP
/// arrays StackExchange.Redis writes) and can stall: while paused it forwards nothing in either direction, as a
/// server that stopped answering would behave.
/// </summary>
public sealed class RespProxy : IAsyncDisposable
{
    /// <summary>Commands the client library sends on its own (handshake, heartbeats, pub/sub), not the store.</summary>
    private static readonly HashSet<string> Housekeeping = new(StringComparer.OrdinalIgnoreCase)
    {
        "PING", "ECHO", "CLIENT", "INFO", "CLUSTER", "CONFIG", "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
        "HELLO", "AUTH", "SELECT", "ROLE", "SENTINEL", "GET", "SET", "TRACKING", "READONLY", "COMMAND", "QUIT", "PUBLISH",
    };

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[][]> _commands = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private volatile TaskCompletionSource _resume = NewGate(open: true);

    public RespProxy(string upstream)
    {
        var parts = upstream.Split(':');
        _upstream = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every command seen so far, each as its arguments (the name first).</summary>
    public IReadOnlyList<byte[][]> AllCommands => [.. _commands];

    /// <summary>The store's commands seen so far (housekeeping of the client library left out).</summary>
    public IReadOnlyList<byte[][]> DataCommands => [.. _commands.Where(c => !Housekeeping.Contains(Name(c)))];

    public static string Name(byte[][] command) => Encoding.ASCII.GetString(command[0]).ToUpperInvariant();

    public void Clear() => _commands.Clear();

    /// <summary>Stops forwarding (in both directions) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_resume.Task.IsCompleted)
        {
            _resume = NewGate(open: false);
        }
    }

    public void Resume() => _resume.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Resume();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAny(Task.WhenAll(pumps), Task.Delay(TimeSpan.FromSeconds(10)));
        _stop.Dispose();
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.SetResult();
        }

        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(_upstream, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var parser = new RespCommandParser(_commands.Enqueue);
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, parser));
                _pumps.Add(PumpAsync(server, client, null));
            }
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, RespCommandParser? parser)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                await _resume.Task.WaitAsync(_stop.Token);
                parser?.Feed(buffer.AsSpan(0, read));
                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>Parses the RESP arrays of bulk strings a client sends, across reads.</summary>
    private sealed class RespCommandParser(Action<byte[][]> onCommand)
    {
        private readonly List<byte> _pending = [];

        public void Feed(ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                _pending.Add(b);
            }

            var buffer = _pending.ToArray();
            var offset = 0;
            while (TryParse(buffer, ref offset, out var command))
            {
                onCommand(command);
            }

            _pending.RemoveRange(0, offset);
        }

        private static bool TryParse(byte[] buffer, ref int offset, out byte[][] command)
        {
            command = [];
            var position = offset;
            if (!TryReadLine(buffer, ref position, out var header) || header[0] != '*')
            {
                return false;
            }

            var count = int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            var args = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                if (!TryReadLine(buffer, ref position, out var lengthLine))
                {
                    return false;
                }

                var length = int.Parse(lengthLine.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                if (buffer.Length - position < length + 2)
                {
                    return false;
                }

                args[i] = buffer.AsSpan(position, length).ToArray();
                position += length + 2;
            }

            command = args;
            offset = position;
            return true;
        }

        private static bool TryReadLine(byte[] buffer, ref int position, out string line)
        {
            line = string.Empty;
            var end = Array.IndexOf(buffer, (byte)'\n', position);
            if (end < 0)
            {
                return false;
            }

            line = Encoding.ASCII.GetString(buffer, position, end - 1 - position);
            position = end + 1;
            return true;
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;

namespace DocMap.Client.Redis.Tests.Infrastructure;

/// <summary>
/// An embedded Garnet server on a loopback port, with Lua enabled in transaction mode (the store's scripts are atomic
/// only then: Garnet locks each script's declared keys). Can be stopped and started again on the same port.
/// </summary>
public sealed class GarnetHost : IDisposable
{
    private readonly string[] _extraArgs;
    private GarnetServer? _server;

    private GarnetHost(int port, string[] extraArgs)
    {
        Port = port;
        _extraArgs = extraArgs;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on a free loopback port.</summary>
    public static GarnetHost Start(params string[] extraArgs)
    {
        for (var attempt = 0; ; attempt++)
        {
            var host = new GarnetHost(FreePort(), extraArgs);
            try
            {
                host.Start();
                return host;
            }
            catch (Exception) when (attempt < 5)
            {
                host.Dispose();
            }
        }
    }

    /// <summary>Starts the server (again) on its port, retrying for a while if the port is not free yet.</summary>
    public void Start()
    {
        if (_server is not null)
        {
            return;
        }

        string[] args =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--lua", "--lua-transaction-mode",
            "--memory", "64m", "--index", "1m",
            "--logger-level", "Error",
            .. _extraArgs,
        ];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            GarnetServer? server = null;
            try
            {
                server = new GarnetServer(args);
                server.Start();
                _server = server;
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                server?.Dispose();
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Stops the server: its connections drop and its data is gone (no persistence).</summary>
    public void Stop()
    {
        _server?.Dispose();
        _server = null;
    }

    public void Dispose() => Stop();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}

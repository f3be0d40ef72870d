using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DocMap.Client.Testing;

/// <summary>
/// The Kestrel host the emulator runs on: 127.0.0.1 only, no configuration sources, no logging, no file watchers
/// (an empty builder: nothing from the environment, <c>ASPNETCORE_URLS</c> included, changes it), bounded request
/// bodies. Routes: the API (<see cref="ApiRoutes"/>), the control API (<see cref="ControlRoutes"/>), and DocMap's 404
/// envelope for everything else.
/// </summary>
internal sealed class EmulatorServer : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private int _stopping;

    private EmulatorServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base address, for example <c>http://127.0.0.1:49731/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Builds and starts the host.</summary>
    /// <exception cref="IOException">The port is in use.</exception>
    public static EmulatorServer Start(int port, Action<WebApplication> mapRoutes, RequestDelegate notFound, Func<bool> isDisposed)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "DocMap.Client.Testing" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, EmulatorHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        var app = builder.Build();
        // After disposal nothing answers: a keep-alive connection opened before it is cut, not served.
        app.Use((context, next) =>
        {
            if (isDisposed())
            {
                context.Abort();
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.UseRouting();
        mapRoutes(app);
        app.UseEndpoints(_ => { });
        app.Run(notFound);

        try
        {
            app.StartAsync().GetAwaiter().GetResult();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var url = new Uri(address.EndsWith('/') ? address : address + "/", UriKind.Absolute);
            return new EmulatorServer(app, url);
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    /// <summary>Stops the host (requests in flight get up to 5 seconds) and releases the port. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(ShutdownTimeout))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Requests still running after the timeout are aborted by the server's disposal below.
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

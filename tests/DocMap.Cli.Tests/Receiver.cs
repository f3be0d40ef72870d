using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DocMap.Cli.Tests;

/// <summary>A loopback Kestrel app that deliveries go to: /ok answers 200, /fail 500; it keeps each body and signature.</summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Receiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public string Ok => new Uri(Url, "ok").AbsoluteUri;

    public string Fail => new Uri(Url, "fail").AbsoluteUri;

    public ConcurrentQueue<(byte[] Body, string Signature)> Received { get; } = new();

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Receiver? receiver = null;
        async Task<IResult> Keep(HttpContext context, int status)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            receiver!.Received.Enqueue((buffer.ToArray(), context.Request.Headers["X-DocMap-Signature"].ToString()));
            return Results.StatusCode(status);
        }

        app.MapPost("/ok", context => Keep(context, 200).ContinueWith(t => t.Result.ExecuteAsync(context)).Unwrap());
        app.MapPost("/fail", context => Keep(context, 500).ContinueWith(t => t.Result.ExecuteAsync(context)).Unwrap());
        await app.StartAsync();
        receiver = new Receiver(app, new Uri(app.Urls.Single() + "/"));
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

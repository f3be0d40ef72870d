using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DocMap.Cli.Tests;

/// <summary>
/// A loopback Kestrel server that answers every request through <see cref="Handler"/>: a test decides what a hostile
/// (or merely odd) DocMap, or something pretending to be the emulator, sends back.
/// </summary>
internal sealed class HostileDocMap : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostileDocMap(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Every request's method and path with query, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Answers a request; the default is 404.</summary>
    public Func<HttpContext, Task> Handler { get; set; } = context =>
    {
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public static async Task<HostileDocMap> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        HostileDocMap? server = null;
        app.Run(context =>
        {
            server!.Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            return server.Handler(context);
        });
        await app.StartAsync();
        server = new HostileDocMap(app, new Uri(app.Urls.Single() + "/"));
        return server;
    }

    /// <summary>Writes <paramref name="body"/> as JSON with the given status.</summary>
    public static Task Json(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>DocMap's error document.</summary>
    public static Task Error(HttpContext context, int status, string code, string message) =>
        Json(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

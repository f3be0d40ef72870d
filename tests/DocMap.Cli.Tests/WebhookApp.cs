using System.Collections.Concurrent;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Cli.Tests;

/// <summary>
/// A user's receiver as it would run: a real Kestrel app on loopback whose endpoint is <c>MapDocMapWebhooks</c>,
/// configured with one secret (and, optionally, a non-default header name and key derivation). Deliveries that verify
/// reach the handler, which keeps the parsed event, the raw body and the signature header; anything else gets the
/// endpoint's 401 and is never seen here.
/// </summary>
internal sealed class WebhookApp : IAsyncDisposable
{
    public const string Path = "/webhooks/docmap";

    private readonly WebApplication _app;

    private WebhookApp(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The endpoint's absolute URL, <c>http://127.0.0.1:PORT/webhooks/docmap</c>.</summary>
    public string Url { get; }

    /// <summary>Each verified delivery: the parsed event, the body bytes as received and the signature header's value.</summary>
    public ConcurrentQueue<(WebhookEvent Event, byte[] Body, string Signature)> Handled { get; } = new();

    public static async Task<WebhookApp> StartAsync(string secret, string? headerName = null, WebhookKeyDerivation keyDerivation = WebhookKeyDerivation.Utf8Text)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDocMapWebhooks(o =>
        {
            o.Secrets.Add(secret);
            o.HeaderName = headerName ?? WebhookSignatureOptions.DefaultHeaderName;
            o.KeyDerivation = keyDerivation;
        });
        var app = builder.Build();
        var header = headerName ?? WebhookSignatureOptions.DefaultHeaderName;
        WebhookApp? self = null;
        app.MapDocMapWebhooks(Path, (WebhookEvent e, HttpContext context) =>
        {
            self!.Handled.Enqueue((e, System.Text.Encoding.UTF8.GetBytes(e.RawJson), context.Request.Headers[header].ToString()));
            return Results.Ok();
        });
        await app.StartAsync();
        self = new WebhookApp(app, new Uri(new Uri(app.Urls.Single()), Path).AbsoluteUri);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

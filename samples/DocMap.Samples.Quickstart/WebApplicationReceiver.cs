using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;

namespace DocMap.Samples.Quickstart;

/// <summary>
/// The quickstart's webhook receiver: an ASP.NET Core app on 127.0.0.1 that receives DocMap deliveries the way your
/// app would, with <c>AddDocMapWebhooks</c> and <c>MapDocMapWebhooks</c>.
/// </summary>
internal sealed class WebApplicationReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Uri _endpoint;

    private WebApplicationReceiver(WebApplication app, Uri endpoint)
    {
        _app = app;
        _endpoint = endpoint;
    }

    public static async Task<WebApplicationReceiver> StartAsync(
        int port,
        string secret,
        TextWriter output,
        ConcurrentQueue<HandledEvent> handled,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var baseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders(); // keep the walkthrough's output readable

        // In your app: builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection("DocMap:Webhooks"));
        builder.Services.AddDocMapWebhooks(options => options.Secrets.Add(secret));

        var app = builder.Build();

        // Called only for deliveries whose signature verified and whose body is a JSON object.
        app.MapDocMapWebhooks(QuickstartFlow.WebhookPath, (WebhookEvent webhookEvent, HttpContext context) =>
        {
            var verification = context.GetDocMapWebhookVerification();
            var fingerprint = verification?.MatchedSecret?.Fingerprint ?? "?";
            output.WriteLine($"   receiver: signature verified (secret {fingerprint}), handling {Safe(webhookEvent.Type.ToString())} for {Safe(webhookEvent.ExtractionId)}");
            var extraction = webhookEvent.Extraction;
            if (webhookEvent.Type == WebhookEventType.ExtractionCompleted && extraction is not null)
            {
                var fields = extraction.ExtractedData is { ValueKind: System.Text.Json.JsonValueKind.Object } data
                    ? string.Join(", ", data.EnumerateObject().Select(p => $"{Safe(p.Name)}={Safe(p.Value.ToString())}"))
                    : "(no data)";
                output.WriteLine($"   receiver: {Safe(extraction.TemplateName)} from {Safe(extraction.FileName)}: {fields}");
            }
            else if (webhookEvent.Type == WebhookEventType.ExtractionFailed)
            {
                output.WriteLine($"   receiver: {Safe(extraction?.FileName)} could not be extracted: {Safe(extraction?.Error)}");
            }

            handled.Enqueue(new HandledEvent(webhookEvent.Type, webhookEvent.ExtractionId, fingerprint));
            return Results.Ok();
        });

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new WebApplicationReceiver(app, new Uri(baseUrl + QuickstartFlow.WebhookPath));
    }

    /// <summary>POSTs a body with a signature made with a secret the receiver does not know.</summary>
    public async Task<HttpStatusCode> PostForgedAsync(string body, CancellationToken cancellationToken)
    {
        var wrongSecret = WebhookSecret.Parse(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(wrongSecret, body));
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Body values are the sender's text: escaped before they reach the console, so they cannot forge lines.</summary>
    private static string? Safe(string? value) => WebhookLogValue.Escape(value);
}

// DocMap webhook receiver: a minimal API app that verifies and logs DocMap deliveries.
//
// Run it with the webhook's secret (the 64-hex value DocMap returned once, when the webhook was created):
//   DocMap__Webhooks__Secrets__0=<64 hex> ASPNETCORE_URLS=http://127.0.0.1:5080 dotnet run --project samples/DocMap.Samples.WebhookReceiver
// Without a secret it stops at start-up with a message naming DocMap:Webhooks:Secrets (never a value).
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

// Secrets, MaxBodyBytes, BodyReadTimeout and the signature options come from the DocMap:Webhooks configuration section
// (appsettings.json, environment variables such as DocMap__Webhooks__Secrets__0, user secrets, a vault, ...).
builder.Services.AddDocMapWebhooks(builder.Configuration);

var app = builder.Build();

// POST /webhooks/docmap: 200 once the handler returns; 401 bad signature; 413 too large; 408 (and the connection
// closed) when the body does not arrive within BodyReadTimeout; 400 not a JSON object; 500 if the handler throws.
// Values from the body are escaped before they are logged (WebhookLogValue), so a CR/LF or an ANSI escape in a signed
// field cannot forge a log line.
app.MapDocMapWebhooks("/webhooks/docmap", (WebhookEvent webhook, ILogger<WebhookReceiver> logger) =>
    WebhookReceiverLog.Received(
        logger,
        WebhookLogValue.Escape(webhook.Type.ToString())!,
        WebhookLogValue.Escape(webhook.ExtractionId) ?? "(none)",
        WebhookLogValue.Escape(webhook.Extraction?.Status)));

app.Run();

/// <summary>Logger category of the sample.</summary>
internal sealed class WebhookReceiver;

internal static partial class WebhookReceiverLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DocMap event {EventType} for extraction {ExtractionId} (status {Status})")]
    public static partial void Received(ILogger logger, string eventType, string extractionId, string? status);
}

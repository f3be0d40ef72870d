// DocMap webhook receiver: a minimal API app that verifies and logs DocMap deliveries, optionally through the delivery
// inbox (dedupe, a fast 200, background processing with retries, crash safety on Redis, reconciliation).
//
// Run it with the webhook's secret (the 64-hex value DocMap returned once, when the webhook was created):
//   DocMap__Webhooks__Secrets__0=<64 hex> ASPNETCORE_URLS=http://127.0.0.1:5080 dotnet run --project samples/DocMap.Samples.WebhookReceiver
// Without a secret it stops at start-up with a message naming DocMap:Webhooks:Secrets (never a value).
//
// Settings (environment variables use __ for :):
//   DocMap:Webhooks:Inbox:Store   Memory | Redis; absent: no inbox, the handler runs inside the request
//   DocMap:Webhooks:Inbox:Redis   a StackExchange.Redis configuration string, for example localhost:6379 (Store = Redis)
//   DocMap:Webhooks:Inbox:*       the inbox's settings (MaxConcurrency, LeaseDuration, MaxAttempts, ...; see docs/inbox.md)
//   Sample:HandlerDelay           a TimeSpan the handler waits, for example 00:00:00.500, so a burst visibly queues up
//   DocMap:ApiKey                 registers the DocMap client (DocMap:BaseAddress optional): /healthz then checks that DocMap
//                                 answers and accepts the key, and with an inbox it reconciles missed deliveries from DocMap's log
//   OTEL_EXPORTER_OTLP_ENDPOINT   exports traces and metrics over OTLP (the SDK's, ASP.NET Core's and HttpClient's), for
//                                 example http://localhost:4317 (gRPC, the default) or, with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf,
//                                 http://localhost:4318; OTEL_SERVICE_NAME and the other OTEL_* variables apply as usual
//
// GET /healthz answers Healthy, Degraded (inbox messages are dead-lettered) or Unhealthy (503: the inbox store or DocMap
// cannot be reached, or DocMap refuses the key).
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);

// Secrets, MaxBodyBytes, BodyReadTimeout and the signature options come from the DocMap:Webhooks configuration section
// (appsettings.json, environment variables such as DocMap__Webhooks__Secrets__0, user secrets, a vault, ...).
builder.Services.AddDocMapWebhooks(builder.Configuration);
var healthChecks = builder.Services.AddHealthChecks();
var hasApiKey = !string.IsNullOrWhiteSpace(builder.Configuration["DocMap:ApiKey"]);
if (hasApiKey)
{
    // DocMap:ApiKey, and DocMap:BaseAddress when it is not https://api.docmap.io (the emulator, say).
    builder.Services.AddDocMapClient(builder.Configuration.GetSection("DocMap"));
    healthChecks.AddDocMapApi();
}

var store = builder.Configuration["DocMap:Webhooks:Inbox:Store"];
if (!string.IsNullOrWhiteSpace(store))
{
    // Binds DocMap:Webhooks:Inbox (Retention, AcceptTimeout, MaxConcurrency, LeaseDuration, MaxAttempts, ...).
    var inbox = builder.Services.AddDocMapWebhookInbox(builder.Configuration);
    if (string.Equals(store, "Redis", StringComparison.OrdinalIgnoreCase))
    {
        inbox.UseRedis(builder.Configuration["DocMap:Webhooks:Inbox:Redis"] ?? throw new InvalidOperationException(
            "DocMap:Webhooks:Inbox:Store is Redis: set DocMap:Webhooks:Inbox:Redis to a StackExchange.Redis configuration string, for example localhost:6379."));
    }
    else if (!string.Equals(store, "Memory", StringComparison.OrdinalIgnoreCase))
    {
        throw new InvalidOperationException("DocMap:Webhooks:Inbox:Store must be Memory or Redis (or absent for no inbox).");
    }

    healthChecks.AddDocMapWebhookInbox();
    if (hasApiKey)
    {
        inbox.AddReconciliation();
    }
}

if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    // The exporters read OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS, ... themselves.
    var serviceName = builder.Configuration["OTEL_SERVICE_NAME"];
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(serviceName) ? builder.Environment.ApplicationName : serviceName))
        .WithTracing(tracing => tracing
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddSource(DocMapTelemetry.ActivitySourceName, DocMapWebhookTelemetry.ActivitySourceName)
            .AddOtlpExporter())
        .WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddMeter(DocMapTelemetry.MeterName, DocMapWebhookTelemetry.MeterName)
            .AddOtlpExporter());
}

var handlerDelay = builder.Configuration.GetValue<TimeSpan?>("Sample:HandlerDelay") ?? TimeSpan.Zero;
var app = builder.Build();

// POST /webhooks/docmap. Without the inbox: 200 once the handler returns; with it: 200 once the delivery is recorded
// (also for a duplicate), 503 if the store cannot record it, and the handler runs in the background. Always: 401 bad
// signature; 413 too large; 408 (and the connection closed) when the body does not arrive within BodyReadTimeout; 400
// not a JSON object. Values from the body are escaped before they are logged (WebhookLogValue), so a CR/LF or an ANSI
// escape in a signed field cannot forge a log line.
app.MapDocMapWebhooks("/webhooks/docmap", async (WebhookEvent webhook, ILogger<WebhookReceiver> logger, CancellationToken cancellationToken) =>
    {
        WebhookReceiverLog.Received(
            logger,
            WebhookLogValue.Escape(webhook.Type.ToString())!,
            WebhookLogValue.Escape(webhook.ExtractionId) ?? "(none)",
            WebhookLogValue.Escape(webhook.Extraction?.Status));
        if (handlerDelay > TimeSpan.Zero)
        {
            await Task.Delay(handlerDelay, cancellationToken);
        }
    })
    // A delivery DocMap logged as failed that never reached the inbox (found by reconciliation). The log has no body:
    // a real handler would fetch the extraction from DocMap here.
    .OnDocMapMissedDelivery((WebhookDelivery delivery, ILogger<WebhookReceiver> logger) =>
        WebhookReceiverLog.Missed(
            logger,
            WebhookLogValue.Escape(delivery.Event.ToString())!,
            WebhookLogValue.Escape(delivery.ExtractionId) ?? "(none)",
            WebhookLogValue.Escape(delivery.Id)!));

app.MapHealthChecks("/healthz");

app.Run();

/// <summary>Logger category of the sample.</summary>
internal sealed class WebhookReceiver;

internal static partial class WebhookReceiverLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DocMap event {EventType} for extraction {ExtractionId} (status {Status})")]
    public static partial void Received(ILogger logger, string eventType, string extractionId, string? status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "DocMap missed {EventType} for extraction {ExtractionId} (delivery {DeliveryId})")]
    public static partial void Missed(ILogger logger, string eventType, string extractionId, string deliveryId);
}

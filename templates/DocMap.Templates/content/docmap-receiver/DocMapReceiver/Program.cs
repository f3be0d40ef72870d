using DocMap.Client.Signatures.AspNetCore;
using DocMapReceiver;

var builder = WebApplication.CreateBuilder(args);

// Verifies each delivery's signature with the webhook's secret: DocMap:Webhooks:Secrets (the 64-hex value DocMap
// returned once, when the webhook was created; user secrets in development, a vault or the environment in production).
builder.Services.AddDocMapWebhooks(builder.Configuration);

// The delivery inbox (DocMap:Webhooks:Inbox): a delivery is recorded, deduplicated and answered 200 at once; the
// handler runs in the background with retries and dead letters. In memory unless DocMap:Webhooks:Inbox:Redis names a
// Redis server: then the inbox survives a crash and is shared by every instance of this app.
var inbox = builder.Services.AddDocMapWebhookInbox(builder.Configuration);
var redis = builder.Configuration["DocMap:Webhooks:Inbox:Redis"];
if (!string.IsNullOrWhiteSpace(redis))
{
    inbox.UseRedis(redis);
}

// With an API key, deliveries DocMap logged as failed (this app was down or answered an error) are found in DocMap's
// delivery log and handed to ExtractionWebhookHandler.OnMissedDeliveryAsync.
if (!string.IsNullOrWhiteSpace(builder.Configuration["DocMap:ApiKey"]))
{
    builder.Services.AddDocMapClient(builder.Configuration.GetSection("DocMap"));
    inbox.AddReconciliation();
}

builder.Services.AddSingleton<IExtractionProcessor, LoggingExtractionProcessor>();
// GET /healthz: Healthy when the inbox's store answers and nothing is dead-lettered, Degraded when some message is
// (inspect and re-queue it with IDocMapWebhookInbox), Unhealthy (503) when the store fails or does not answer.
builder.Services.AddHealthChecks().AddDocMapWebhookInbox();

var app = builder.Build();

// POST /webhooks/docmap: 200 once recorded (also for a duplicate), 401 bad signature, 413 too large, 408 too slow,
// 400 not a JSON object, 503 when the inbox's store cannot record it (DocMap logs it as failed; reconciliation finds it).
app.MapDocMapWebhooks<ExtractionWebhookHandler>("/webhooks/docmap");
app.MapHealthChecks("/healthz");

app.Run();

/// <summary>The app's entry point (public for the tests' WebApplicationFactory).</summary>
public partial class Program;

// DocMap webhook receiver for serverless hosts and native AOT (AWS Lambda custom runtimes, Azure Functions custom
// handlers, container apps that scale to zero): one native executable that starts in milliseconds.
//
// Publish (Linux needs clang and zlib1g-dev: apt-get install clang zlib1g-dev):
//   dotnet publish samples/DocMap.Samples.AotReceiver -c Release -r linux-x64 -o out
// Run it with the webhook's secret (the 64-hex value DocMap returned once, when the webhook was created) and a port:
//   DocMap__Webhooks__Secrets__0=<64 hex> ASPNETCORE_URLS=http://0.0.0.0:8080 ./out/DocMap.Samples.AotReceiver
//   (or pass --urls http://0.0.0.0:8080; a host that sets PORT: ASPNETCORE_URLS=http://0.0.0.0:$PORT)
// POST /webhooks/docmap answers 200 once the handler returns, 401 for a bad signature, 413 for a body over
// DocMap:Webhooks:MaxBodyBytes, 400 for a body that is not a JSON object, 500 if the handler throws.
// Without a secret it stops at start-up with a message naming DocMap:Webhooks:Secrets (never a value).
//
// What keeps it AOT-safe: WebApplication.CreateSlimBuilder, and the class-handler overload
// MapDocMapWebhooks<THandler> (the Delegate overload compiles the delegate at run time and is not AOT-safe).
// `dotnet run` works too (a JIT build), for development.
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;

var builder = WebApplication.CreateSlimBuilder(args);

// Secrets, MaxBodyBytes and the signature options come from the DocMap:Webhooks section: environment variables
// (DocMap__Webhooks__Secrets__0, ...), appsettings.json, the command line or any other configuration source.
builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));

var app = builder.Build();

app.MapDocMapWebhooks<LoggingWebhookHandler>("/webhooks/docmap");

app.Run();

/// <summary>
/// Logs one line per verified delivery. Replace the body with your own work (keep it under DocMap's 10 s timeout).
/// Values from the body are escaped before they are logged (WebhookLogValue), so a CR/LF or an ANSI escape in a signed
/// field cannot forge a log line.
/// </summary>
internal sealed partial class LoggingWebhookHandler(ILogger<LoggingWebhookHandler> logger) : DocMapWebhookHandler
{
    public override Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        Received(
            logger,
            WebhookLogValue.Escape(webhookEvent.Type.ToString())!,
            WebhookLogValue.Escape(webhookEvent.ExtractionId) ?? "(none)",
            WebhookLogValue.Escape(webhookEvent.Extraction?.Status));
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DocMap event {EventType} for extraction {ExtractionId} (status {Status})")]
    private static partial void Received(ILogger logger, string eventType, string extractionId, string? status);
}

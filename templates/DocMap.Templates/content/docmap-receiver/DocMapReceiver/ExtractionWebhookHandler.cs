using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;

namespace DocMapReceiver;

/// <summary>
/// Handles DocMap's events. With the inbox, each method runs in the background, in its own DI scope; an exception is
/// retried with backoff and, after the last attempt, dead-lettered. A handler can run twice for one event (a crash
/// between its return and the inbox's completion record), so make what it does idempotent.
/// </summary>
public sealed class ExtractionWebhookHandler(IExtractionProcessor processor) : DocMapWebhookHandler
{
    /// <inheritdoc />
    public override Task OnExtractionCompletedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        processor.CompletedAsync(webhookEvent.ExtractionId, webhookEvent.Extraction, cancellationToken);

    /// <inheritdoc />
    public override Task OnExtractionFailedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        processor.FailedAsync(webhookEvent.ExtractionId, webhookEvent.Extraction, cancellationToken);

    /// <inheritdoc />
    public override Task OnMissedDeliveryAsync(WebhookDelivery delivery, CancellationToken cancellationToken) =>
        // The delivery log carries no body: fetch the extraction from DocMap here if you need its data.
        processor.MissedAsync(delivery.ExtractionId, delivery.Event, cancellationToken);
}

using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Base class for a class-based handler of verified DocMap deliveries, mapped with
/// <see cref="DocMapWebhookEndpointRouteBuilderExtensions.MapDocMapWebhooks{THandler}(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string)"/>.
/// The handler is resolved from the request's services (register it, for example with <c>AddScoped</c>, to control
/// its lifetime; an unregistered handler is created per request with its constructor dependencies from DI).
/// Every method runs only after the signature verified and the body parsed as a JSON object. Without the delivery
/// inbox the handler runs inside the request: completing normally answers 200; throwing answers 500 (logged), which
/// DocMap records as a failed delivery (it does not retry). With the inbox (<c>AddDocMapWebhookInbox</c>) the request is
/// answered as soon as the delivery is recorded, and the handler runs in the background, in a scope of its own: a
/// method that throws is retried with backoff, then dead-lettered; the cancellation token is cancelled when the lease
/// of the message is lost or when the app stops and the shutdown timeout has passed.
/// </summary>
public abstract class DocMapWebhookHandler
{
    /// <summary>
    /// Dispatches a verified event by its type to <see cref="OnExtractionCompletedAsync"/>,
    /// <see cref="OnExtractionFailedAsync"/> or <see cref="OnUnknownEventAsync"/>.
    /// </summary>
    /// <param name="webhookEvent">The verified event.</param>
    /// <param name="cancellationToken">Canceled when the sender disconnects (with the inbox: when the lease is lost or the app stops).</param>
    /// <returns>A task that completes when the event is handled.</returns>
    public virtual Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        if (webhookEvent.Type == WebhookEventType.ExtractionCompleted)
        {
            return OnExtractionCompletedAsync(webhookEvent, cancellationToken);
        }

        if (webhookEvent.Type == WebhookEventType.ExtractionFailed)
        {
            return OnExtractionFailedAsync(webhookEvent, cancellationToken);
        }

        return OnUnknownEventAsync(webhookEvent, cancellationToken);
    }

    /// <summary>Handles <c>extraction.completed</c>. The default does nothing (the delivery is acknowledged with 200).</summary>
    /// <param name="webhookEvent">The verified event; <see cref="WebhookEvent.Extraction"/> carries the record when the body has one.</param>
    /// <param name="cancellationToken">Canceled when the sender disconnects.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    public virtual Task OnExtractionCompletedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Handles <c>extraction.failed</c>. The default does nothing (the delivery is acknowledged with 200).</summary>
    /// <param name="webhookEvent">The verified event.</param>
    /// <param name="cancellationToken">Canceled when the sender disconnects.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    public virtual Task OnExtractionFailedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Handles an event type this SDK version does not know (or a body naming none). The default does nothing, so a
    /// type DocMap adds later is acknowledged rather than reported as a failed delivery.
    /// </summary>
    /// <param name="webhookEvent">The verified event; <see cref="WebhookEvent.Type"/> holds the wire value.</param>
    /// <param name="cancellationToken">Canceled when the sender disconnects.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    public virtual Task OnUnknownEventAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Handles a delivery DocMap's delivery log shows as failed whose event never reached the delivery inbox (the
    /// receiver was down, or answered 503 because its store was unreachable), found by the inbox's reconciliation
    /// (<c>AddReconciliation()</c>). The log carries no body: fetch what you need, for example the extraction, from
    /// DocMap. Called once per delivery id across every instance sharing the inbox's store, in the background with the
    /// inbox's retries and dead letters. The default does nothing.
    /// </summary>
    /// <param name="delivery">The delivery-log record: its id, webhook, extraction id, event, status, HTTP status and time.</param>
    /// <param name="cancellationToken">Canceled when the lease of the message is lost or the app stops.</param>
    /// <returns>A task that completes when the missed delivery is handled.</returns>
    public virtual Task OnMissedDeliveryAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => Task.CompletedTask;
}

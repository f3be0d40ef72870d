using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// A mapped DocMap webhook endpoint as the inbox's workers see it: its route pattern (the messages' <see cref="InboxMessage.Endpoint"/>)
/// and how to run its handler for a message, in a scope the caller created.
/// </summary>
internal abstract class InboxEndpoint(string route)
{
    /// <summary>The endpoint's full route pattern, group prefixes included, for example <c>/webhooks/docmap</c>.</summary>
    public string Route { get; } = route;

    /// <summary>Runs the handler for a verified delivery; throws (or, for a delegate handler, answers non-2xx) on failure.</summary>
    public abstract Task RunDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookEvent webhookEvent, CancellationToken cancellationToken);

    /// <summary>Runs the missed-delivery handler (when the endpoint has none, nothing runs and the message completes).</summary>
    public abstract Task RunMissedDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookDelivery delivery, CancellationToken cancellationToken);
}

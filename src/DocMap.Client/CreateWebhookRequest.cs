namespace DocMap.Client;

/// <summary>The body of <see cref="IDocMapApi.CreateWebhookAsync"/>: serialized as <c>{"url": ..., "events": [...]}</c>.</summary>
/// <param name="Url">The absolute http(s) URL DocMap will POST deliveries to (https in production).</param>
/// <param name="Events">The event types to deliver; at least one.</param>
public sealed record CreateWebhookRequest(string Url, IReadOnlyList<WebhookEventType> Events);

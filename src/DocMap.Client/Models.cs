namespace DocMap.Client;

/// <summary>DocMap's success envelope: every successful response body is <c>{"data": ...}</c>.</summary>
/// <typeparam name="T">The payload type.</typeparam>
/// <param name="Data">The payload.</param>
public sealed record DataEnvelope<T>(T Data);

/// <summary>The body of <see cref="IDocMapApi.CreateWebhookAsync"/>: serialized as <c>{"url": ..., "events": [...]}</c>.</summary>
/// <param name="Url">The absolute http(s) URL DocMap will POST deliveries to (https in production).</param>
/// <param name="Events">The event types to deliver; at least one.</param>
public sealed record CreateWebhookRequest(string Url, IReadOnlyList<WebhookEventType> Events);

/// <summary>The result of creating a webhook: the signing secret (returned only once) and the webhook.</summary>
/// <param name="Secret">The HMAC-SHA256 signing secret, 64 hexadecimal characters. DocMap returns it only here: store it safely.</param>
/// <param name="Webhook">The created webhook.</param>
public sealed record CreateWebhookResult(string Secret, Webhook Webhook)
{
    /// <summary>Prints the webhook and hides the secret.</summary>
    /// <returns><c>CreateWebhookResult { Secret = ****, Webhook = ... }</c>.</returns>
    public override string ToString() => $"CreateWebhookResult {{ Secret = ****, Webhook = {Webhook} }}";
}

/// <summary>A registered webhook.</summary>
/// <param name="Id">The webhook's id.</param>
/// <param name="UserId">The id of the user that owns it.</param>
/// <param name="Url">The URL deliveries are POSTed to.</param>
/// <param name="Events">The event types it receives.</param>
/// <param name="Active">Whether it is active.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Webhook(
    string Id,
    string UserId,
    string Url,
    IReadOnlyList<WebhookEventType> Events,
    bool Active,
    DateTimeOffset CreatedAt)
{
    /// <summary>Prints the webhook with its event types listed (records print collections as type names by default).</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() =>
        $"Webhook {{ Id = {Id}, UserId = {UserId}, Url = {Url}, Events = [{string.Join(", ", Events ?? [])}], Active = {Active}, CreatedAt = {CreatedAt:O} }}";
}

/// <summary>
/// One attempt by DocMap to deliver an event to a webhook. When reading JSON, <c>httpStatus</c> and <c>error</c> may be
/// omitted (they read as <see langword="null"/>); every other member is required.
/// </summary>
/// <param name="Id">The delivery's id.</param>
/// <param name="UserId">The id of the user that owns the webhook.</param>
/// <param name="WebhookId">The webhook's id.</param>
/// <param name="ExtractionId">The extraction the event is about.</param>
/// <param name="Event">The event type.</param>
/// <param name="Url">The URL the delivery was POSTed to.</param>
/// <param name="Status"><see cref="DeliveryStatus.Success"/> when the endpoint answered 2xx, else <see cref="DeliveryStatus.Failed"/>.</param>
/// <param name="HttpStatus">The endpoint's HTTP status, or <see langword="null"/> when no response arrived.</param>
/// <param name="Error">What went wrong, or <see langword="null"/>.</param>
/// <param name="DurationMs">How long the attempt took, in milliseconds.</param>
/// <param name="CreatedAt">When the attempt was made.</param>
public sealed record WebhookDelivery(
    string Id,
    string UserId,
    string WebhookId,
    string ExtractionId,
    WebhookEventType Event,
    string Url,
    DeliveryStatus Status,
    int? HttpStatus,
    string? Error,
    int DurationMs,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The constructor JSON reads through: the same members with the nullable <c>httpStatus</c> and <c>error</c> last
    /// and optional, so an omitted key reads as <see langword="null"/> (like an explicit <c>null</c>) while every other
    /// member stays required. (Positional parameters cannot have defaults before the required ones.)
    /// </summary>
    [System.Text.Json.Serialization.JsonConstructor]
    internal WebhookDelivery(
        string id,
        string userId,
        string webhookId,
        string extractionId,
        WebhookEventType @event,
        string url,
        DeliveryStatus status,
        int durationMs,
        DateTimeOffset createdAt,
        int? httpStatus = null,
        string? error = null)
        : this(id, userId, webhookId, extractionId, @event, url, status, httpStatus, error, durationMs, createdAt)
    {
    }
}

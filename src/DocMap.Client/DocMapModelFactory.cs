using System.Security.Cryptography;

namespace DocMap.Client;

/// <summary>
/// Builds the SDK's output models for your tests (for example to return from a fake <see cref="IDocMapApi"/>). The
/// models have no public constructor so that members DocMap adds later can be added without breaking your code; every
/// parameter here is optional, so a call written today keeps compiling when a member is added.
/// </summary>
/// <example>
/// <code>
/// // What a fake IDocMapApi in your tests can return:
/// var webhooks = DocMapModelFactory.DataEnvelope&lt;IReadOnlyList&lt;Webhook&gt;&gt;(
///     [DocMapModelFactory.Webhook(id: "wh_1"), DocMapModelFactory.Webhook(id: "wh_2", active: false)]);
/// var failed = DocMapModelFactory.WebhookDelivery(status: DeliveryStatus.Failed, httpStatus: null, error: "timeout");
/// </code>
/// </example>
public static class DocMapModelFactory
{
    /// <summary>The URL the factory's webhooks and deliveries use unless you give one.</summary>
    private const string DefaultUrl = "https://example.com/webhooks/docmap";

    /// <summary>Wraps a payload in DocMap's <c>{"data": ...}</c> envelope.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="data">The payload.</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/> (the SDK never returns an envelope without data).</exception>
    public static DataEnvelope<T> DataEnvelope<T>(T data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new global::DocMap.Client.DataEnvelope<T> { Data = data };
    }

    /// <summary>Builds a <see cref="global::DocMap.Client.Webhook"/>.</summary>
    /// <param name="id">The webhook's id; <c>wh_test</c> by default.</param>
    /// <param name="userId">The owner's id; <c>usr_test</c> by default.</param>
    /// <param name="url">The delivery URL; <c>https://example.com/webhooks/docmap</c> by default.</param>
    /// <param name="events">The event types (copied); <see langword="null"/> for both <see cref="WebhookEventType.ExtractionCompleted"/> and <see cref="WebhookEventType.ExtractionFailed"/>.</param>
    /// <param name="active">Whether it is active; <see langword="true"/> by default.</param>
    /// <param name="createdAt">When it was created; <see langword="null"/> for <see cref="DateTimeOffset.UnixEpoch"/> (a fixed value, so tests are repeatable).</param>
    /// <returns>The webhook.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/>, <paramref name="userId"/> or <paramref name="url"/> is <see langword="null"/>.</exception>
    public static Webhook Webhook(
        string id = "wh_test",
        string userId = "usr_test",
        string url = DefaultUrl,
        IEnumerable<WebhookEventType>? events = null,
        bool active = true,
        DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(url);
        return new global::DocMap.Client.Webhook
        {
            Id = id,
            UserId = userId,
            Url = url,
            Events = events is null ? [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed] : [.. events],
            Active = active,
            CreatedAt = createdAt ?? DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>Builds a <see cref="global::DocMap.Client.WebhookDelivery"/>; by default a successful <c>extraction.completed</c> delivery answered 200.</summary>
    /// <param name="id">The delivery's id; <c>dlv_test</c> by default.</param>
    /// <param name="userId">The owner's id; <c>usr_test</c> by default.</param>
    /// <param name="webhookId">The webhook's id; <c>wh_test</c> by default.</param>
    /// <param name="extractionId">The extraction's id; <c>ext_test</c> by default.</param>
    /// <param name="event">The event type; <see langword="null"/> for <see cref="WebhookEventType.ExtractionCompleted"/>.</param>
    /// <param name="url">The delivery URL; <c>https://example.com/webhooks/docmap</c> by default.</param>
    /// <param name="status">The outcome; <see langword="null"/> for <see cref="DeliveryStatus.Success"/>.</param>
    /// <param name="httpStatus">The endpoint's status; 200 by default; pass <see langword="null"/> for "no response arrived".</param>
    /// <param name="error">What went wrong; <see langword="null"/> by default.</param>
    /// <param name="durationMs">How long the attempt took; 100 ms by default.</param>
    /// <param name="createdAt">When the attempt was made; <see langword="null"/> for <see cref="DateTimeOffset.UnixEpoch"/>.</param>
    /// <returns>The delivery.</returns>
    /// <exception cref="ArgumentNullException">A string parameter other than <paramref name="error"/> is <see langword="null"/>.</exception>
    public static WebhookDelivery WebhookDelivery(
        string id = "dlv_test",
        string userId = "usr_test",
        string webhookId = "wh_test",
        string extractionId = "ext_test",
        WebhookEventType? @event = null,
        string url = DefaultUrl,
        DeliveryStatus? status = null,
        int? httpStatus = 200,
        string? error = null,
        int durationMs = 100,
        DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(webhookId);
        ArgumentNullException.ThrowIfNull(extractionId);
        ArgumentNullException.ThrowIfNull(url);
        return new global::DocMap.Client.WebhookDelivery
        {
            Id = id,
            UserId = userId,
            WebhookId = webhookId,
            ExtractionId = extractionId,
            Event = @event ?? WebhookEventType.ExtractionCompleted,
            Url = url,
            Status = status ?? DeliveryStatus.Success,
            HttpStatus = httpStatus,
            Error = error,
            DurationMs = durationMs,
            CreatedAt = createdAt ?? DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>Builds a <see cref="global::DocMap.Client.CreateWebhookResult"/>.</summary>
    /// <param name="secret">
    /// The signing secret, kept as given (any text, so you can test what your code does with a secret that is not 64
    /// hexadecimal characters); <see langword="null"/> for a new random 64-character lower-case hex secret.
    /// </param>
    /// <param name="webhook">The created webhook; <see langword="null"/> for <see cref="Webhook"/> with its defaults.</param>
    /// <returns>The result.</returns>
    public static CreateWebhookResult CreateWebhookResult(string? secret = null, Webhook? webhook = null) => new()
    {
        Secret = secret ?? RandomNumberGenerator.GetHexString(Signatures.WebhookSecret.Length, lowercase: true),
        Webhook = webhook ?? Webhook(),
    };
}

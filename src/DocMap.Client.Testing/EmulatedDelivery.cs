using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// One delivery attempt made by <see cref="DocMapEmulator.TriggerAsync(WebhookEventType, ExtractionRecord?, CancellationToken)"/>:
/// the same facts the delivery log (<c>GET /v1/webhooks/deliveries</c>) records, plus the exact body that was sent.
/// Also an entry of <see cref="DocMapEmulator.Deliveries"/>.
/// </summary>
public sealed class EmulatedDelivery
{
    internal EmulatedDelivery(
        string id,
        string webhookId,
        string extractionId,
        WebhookEventType eventType,
        string url,
        int? httpStatus,
        string? error,
        TimeSpan duration,
        DateTimeOffset createdAt,
        string payload,
        bool payloadTruncated)
    {
        Id = id;
        WebhookId = webhookId;
        ExtractionId = extractionId;
        Event = eventType;
        Url = url;
        HttpStatus = httpStatus;
        Error = error;
        Duration = duration;
        CreatedAt = createdAt;
        Payload = payload;
        PayloadTruncated = payloadTruncated;
    }

    /// <summary>The delivery's id, as in the delivery log.</summary>
    public string Id { get; }

    /// <summary>The webhook the event was delivered to.</summary>
    public string WebhookId { get; }

    /// <summary>The extraction the event is about.</summary>
    public string ExtractionId { get; }

    /// <summary>The event type.</summary>
    public WebhookEventType Event { get; }

    /// <summary>The URL the event was POSTed to.</summary>
    public string Url { get; }

    /// <summary>Whether the receiver answered 2xx (the log's status <c>success</c>; otherwise <c>failed</c>).</summary>
    public bool Succeeded => HttpStatus is >= 200 and <= 299;

    /// <summary>The receiver's HTTP status, or <see langword="null"/> when no response arrived (refused, timed out).</summary>
    public int? HttpStatus { get; }

    /// <summary>Why no response arrived (at most 500 characters, cut with <c>…</c>), or <see langword="null"/> when one did.</summary>
    public string? Error { get; }

    /// <summary>How long the attempt took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>When the attempt started (UTC, millisecond precision).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// The exact JSON body that was sent (and signed). Whole in what <see cref="DocMapEmulator.TriggerAsync"/> returns;
    /// in <see cref="DocMapEmulator.Deliveries"/> cut past <see cref="DocMapEmulatorOptions.MaxLoggedBodyBytes"/> (see
    /// <see cref="PayloadTruncated"/>).
    /// </summary>
    public string Payload { get; }

    /// <summary>Whether <see cref="Payload"/> is only the start of the body (the delivery log keeps at most <see cref="DocMapEmulatorOptions.MaxLoggedBodyBytes"/>).</summary>
    public bool PayloadTruncated { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"EmulatedDelivery({Event} to {Url}: {(Succeeded ? "success" : "failed")}, HTTP {HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, {(long)Duration.TotalMilliseconds} ms)";
}

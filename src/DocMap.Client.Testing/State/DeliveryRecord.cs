using System.Globalization;

namespace DocMap.Client.Testing;

/// <summary>One entry of the delivery log: DocMap's fields and the payload that was sent, as kept (possibly truncated).</summary>
internal sealed class DeliveryRecord(DeliveryDto entry, LoggedText payload, WebhookEventType eventType)
{
    public DeliveryDto Entry { get; } = entry;

    public LoggedText Payload { get; } = payload;

    public WebhookEventType Event { get; } = eventType;

    public LoggedDeliveryDto ToLoggedDto() => new()
    {
        Id = Entry.Id,
        UserId = Entry.UserId,
        WebhookId = Entry.WebhookId,
        ExtractionId = Entry.ExtractionId,
        Event = Entry.Event,
        Url = Entry.Url,
        Status = Entry.Status,
        HttpStatus = Entry.HttpStatus,
        Error = Entry.Error,
        DurationMs = Entry.DurationMs,
        CreatedAt = Entry.CreatedAt,
        Payload = Payload.Text,
        PayloadTruncated = Payload.Truncated,
    };

    public EmulatedDelivery ToEmulatedDelivery(TimeSpan duration, string payload, bool payloadTruncated) => new(
        Entry.Id,
        Entry.WebhookId,
        Entry.ExtractionId,
        Event,
        Entry.Url,
        Entry.HttpStatus,
        Entry.Error,
        duration,
        DateTimeOffset.Parse(Entry.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        payload,
        payloadTruncated);
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The body of a <see cref="DocMap.Client.Signatures.AspNetCore.Inbox.InboxMessageKind.MissedDelivery"/> message: the delivery-log record as JSON, in
/// DocMap's own field names (<c>id</c>, <c>webhookId</c>, <c>extractionId</c>, <c>event</c>, <c>status</c>, …), so
/// whichever instance leases it rebuilds the same <see cref="WebhookDelivery"/>.
/// </summary>
internal static class MissedDeliveryCodec
{
    public static byte[] Encode(WebhookDelivery delivery) => JsonSerializer.SerializeToUtf8Bytes(
        new MissedDeliveryJson
        {
            Id = delivery.Id,
            UserId = delivery.UserId,
            WebhookId = delivery.WebhookId,
            ExtractionId = delivery.ExtractionId,
            Event = delivery.Event.Value ?? string.Empty,
            Url = delivery.Url,
            Status = delivery.Status.Value ?? string.Empty,
            HttpStatus = delivery.HttpStatus,
            Error = delivery.Error,
            DurationMs = delivery.DurationMs,
            CreatedAt = delivery.CreatedAt,
        },
        MissedDeliveryJsonContext.Default.MissedDeliveryJson);

    /// <exception cref="FormatException">The body is not a delivery record (the attempt fails and is retried, then dead-lettered).</exception>
    public static WebhookDelivery Decode(ReadOnlyMemory<byte> body)
    {
        MissedDeliveryJson? json;
        try
        {
            json = JsonSerializer.Deserialize(body.Span, MissedDeliveryJsonContext.Default.MissedDeliveryJson);
        }
        catch (JsonException ex)
        {
            // The JsonException's message may quote the body: only its position is described.
            throw new FormatException($"The missed-delivery message's body is not a delivery record (invalid JSON at byte {ex.BytePositionInLine}).");
        }

        if (json is null || string.IsNullOrEmpty(json.Id) || string.IsNullOrEmpty(json.Event) || string.IsNullOrEmpty(json.Status))
        {
            throw new FormatException("The missed-delivery message's body is not a delivery record (id, event or status missing).");
        }

        return Create(json);
    }

    /// <summary>The one place the inbox builds a <see cref="WebhookDelivery"/> (through the client's public model factory).</summary>
    private static WebhookDelivery Create(MissedDeliveryJson json) => DocMapModelFactory.WebhookDelivery(
        id: json.Id,
        userId: json.UserId ?? string.Empty,
        webhookId: json.WebhookId ?? string.Empty,
        extractionId: json.ExtractionId ?? string.Empty,
        @event: new WebhookEventType(json.Event),
        url: json.Url ?? string.Empty,
        status: new DeliveryStatus(json.Status),
        httpStatus: json.HttpStatus,
        error: json.Error,
        durationMs: json.DurationMs,
        createdAt: json.CreatedAt);
}

/// <summary>The JSON shape of <see cref="WebhookDelivery"/> as the delivery log sends it.</summary>
internal sealed class MissedDeliveryJson
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("userId")]
    public string? UserId { get; set; }

    [JsonPropertyName("webhookId")]
    public string? WebhookId { get; set; }

    [JsonPropertyName("extractionId")]
    public string? ExtractionId { get; set; }

    [JsonPropertyName("event")]
    public string Event { get; set; } = string.Empty;

    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = string.Empty;

    [JsonPropertyName("httpStatus")]
    public int? HttpStatus { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("durationMs")]
    public int DurationMs { get; set; }

    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; set; }
}

[JsonSerializable(typeof(MissedDeliveryJson))]
internal sealed partial class MissedDeliveryJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Internal;

/// <summary>
/// The wire shape of <see cref="WebhookDelivery"/>. Its nullable members (<c>httpStatus</c>, <c>error</c>) are optional:
/// an omitted key reads as <see langword="null"/>, like an explicit <c>null</c>. Every other member stays required.
/// (C# does not allow the public record's positional parameters <c>HttpStatus</c> and <c>Error</c> to have defaults
/// before the required <c>DurationMs</c> and <c>CreatedAt</c>, so the record is read through this type.)
/// </summary>
internal sealed record WebhookDeliveryWire(
    string Id,
    string UserId,
    string WebhookId,
    string ExtractionId,
    WebhookEventType Event,
    string Url,
    DeliveryStatus Status,
    int DurationMs,
    DateTimeOffset CreatedAt,
    int? HttpStatus = null,
    string? Error = null);

/// <summary>Reads and writes <see cref="WebhookDelivery"/> through <see cref="WebhookDeliveryWire"/> (source-generated).</summary>
internal sealed class WebhookDeliveryJsonConverter : JsonConverter<WebhookDelivery>
{
    public override WebhookDelivery? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var wire = JsonSerializer.Deserialize(ref reader, DocMapJsonContext.Default.WebhookDeliveryWire);
        return wire is null
            ? null
            : new WebhookDelivery(wire.Id, wire.UserId, wire.WebhookId, wire.ExtractionId, wire.Event, wire.Url, wire.Status, wire.HttpStatus, wire.Error, wire.DurationMs, wire.CreatedAt);
    }

    public override void Write(Utf8JsonWriter writer, WebhookDelivery value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        JsonSerializer.Serialize(
            writer,
            new WebhookDeliveryWire(value.Id, value.UserId, value.WebhookId, value.ExtractionId, value.Event, value.Url, value.Status, value.DurationMs, value.CreatedAt, value.HttpStatus, value.Error),
            DocMapJsonContext.Default.WebhookDeliveryWire);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>Reads and writes <see cref="DeliveryStatus"/> as its JSON string wire value.</summary>
public sealed class DeliveryStatusJsonConverter : JsonConverter<DeliveryStatus>
{
    /// <inheritdoc />
    public override DeliveryStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A delivery status must be a JSON string.");
        }

        var value = reader.GetString();
        return string.IsNullOrWhiteSpace(value) ? default : new DeliveryStatus(value);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DeliveryStatus value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.IsDefault)
        {
            throw new JsonException("A default (empty) DeliveryStatus cannot be written.");
        }

        writer.WriteStringValue(value.Value);
    }
}

using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client;

/// <summary>Reads and writes <see cref="WebhookEventType"/> as its JSON string wire value.</summary>
public sealed class WebhookEventTypeJsonConverter : JsonConverter<WebhookEventType>
{
    /// <inheritdoc />
    public override WebhookEventType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("A webhook event type must be a JSON string.");
        }

        var value = reader.GetString();
        return string.IsNullOrWhiteSpace(value) ? default : new WebhookEventType(value!);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, WebhookEventType value, JsonSerializerOptions options)
    {
        if (value.IsDefault)
        {
            throw new JsonException("A default (empty) WebhookEventType cannot be written.");
        }

        writer.WriteStringValue(value.Value);
    }
}

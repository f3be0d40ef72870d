using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Signatures.Tests;

public sealed class WebhookEventTypeTests
{
    [Fact]
    public void Known_values_have_their_wire_names()
    {
        Assert.Equal("extraction.completed", WebhookEventType.ExtractionCompleted.ToString());
        Assert.Equal("extraction.failed", WebhookEventType.ExtractionFailed.Value);
        Assert.True(WebhookEventType.ExtractionCompleted.IsKnown);
        Assert.True(WebhookEventType.ExtractionFailed.IsKnown);
        Assert.Equal(WebhookEventType.ExtractionCompleted, new WebhookEventType("extraction.completed"));
        Assert.True(WebhookEventType.ExtractionCompleted == (WebhookEventType)"extraction.completed");
        Assert.True(WebhookEventType.ExtractionCompleted != WebhookEventType.ExtractionFailed);
        Assert.Equal(WebhookEventType.ExtractionCompleted.GetHashCode(), new WebhookEventType("extraction.completed").GetHashCode());
        Assert.NotEqual(WebhookEventType.ExtractionCompleted, new WebhookEventType("Extraction.Completed"));
    }

    [Fact]
    public void Default_is_empty_and_not_known()
    {
        WebhookEventType none = default;
        Assert.True(none.IsDefault);
        Assert.False(none.IsKnown);
        Assert.Null(none.Value);
        Assert.Equal(string.Empty, none.ToString());
        Assert.Equal(0, none.GetHashCode());
        Assert.NotEqual(WebhookEventType.ExtractionCompleted, none);
    }

    [Fact]
    public void Bad_values_are_argument_errors()
    {
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => new WebhookEventType(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => new WebhookEventType(" ")).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => new WebhookEventType(string.Empty)).ParamName);
    }

    [Fact]
    public void Json_round_trips_known_and_unknown_values()
    {
        var context = EventTypeJsonContext.Default;
        var list = new List<WebhookEventType> { WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed, new("extraction.archived") };

        var json = JsonSerializer.Serialize(list, context.ListWebhookEventType);
        Assert.Equal("[\"extraction.completed\",\"extraction.failed\",\"extraction.archived\"]", json);

        var back = JsonSerializer.Deserialize(json, context.ListWebhookEventType)!;
        Assert.Equal(list, back);
        Assert.False(back[2].IsKnown);

        Assert.True(JsonSerializer.Deserialize("null", context.WebhookEventType).IsDefault);
        Assert.True(JsonSerializer.Deserialize("\"\"", context.WebhookEventType).IsDefault);
    }

    [Fact]
    public void Json_rejects_non_strings_and_default_values()
    {
        var context = EventTypeJsonContext.Default;
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("42", context.WebhookEventType));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{}", context.WebhookEventType));
        Assert.Throws<JsonException>(() => JsonSerializer.Serialize(default(WebhookEventType), context.WebhookEventType));
    }
}

[JsonSerializable(typeof(WebhookEventType))]
[JsonSerializable(typeof(List<WebhookEventType>))]
internal sealed partial class EventTypeJsonContext : JsonSerializerContext
{
}

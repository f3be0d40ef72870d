using System.Text.Json;

namespace DocMap.Client.Testing;

/// <summary>The body of a delivery: <c>{"event","extractionId","createdAt","data":{extraction}}</c>.</summary>
internal sealed class DeliveryPayloadDto
{
    public required string Event { get; init; }

    public required string ExtractionId { get; init; }

    public required string CreatedAt { get; init; }

    public required JsonElement Data { get; init; }
}

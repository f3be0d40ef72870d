using System.Text.Json.Serialization;

namespace DocMap.Client.Testing;

/// <summary>
/// One entry of the emulator's own delivery log (<c>GET /_emulator/deliveries</c>): DocMap's fields plus the body that
/// was sent, possibly truncated.
/// </summary>
internal sealed class LoggedDeliveryDto : DeliveryDto
{
    [JsonPropertyOrder(1)]
    public required string Payload { get; init; }

    [JsonPropertyOrder(2)]
    public required bool PayloadTruncated { get; init; }
}

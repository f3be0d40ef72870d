namespace DocMap.Client.Testing;

/// <summary>
/// One entry of the emulator's own delivery log (<c>GET /_emulator/deliveries</c>): DocMap's fields plus the body that
/// was sent, possibly truncated.
/// </summary>
internal sealed class LoggedDeliveryDto : DeliveryDto
{
    public required string Payload { get; init; }

    public required bool PayloadTruncated { get; init; }
}

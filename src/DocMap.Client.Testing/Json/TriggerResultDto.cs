namespace DocMap.Client.Testing;

/// <summary>The answer of <c>POST /_emulator/trigger</c>: one entry per delivery attempt.</summary>
internal sealed class TriggerResultDto
{
    public required IReadOnlyList<DeliveryDto> Deliveries { get; init; }
}

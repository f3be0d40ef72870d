namespace DocMap.Client.Testing;

/// <summary>The answer of <c>POST /_emulator/faults</c>: the endpoint and how many faulted calls are now queued for it.</summary>
internal sealed class FaultResultDto
{
    public required string Endpoint { get; init; }

    public required int Remaining { get; init; }
}

namespace DocMap.Client.Testing;

/// <summary>The body of <c>POST /_emulator/faults</c>. Unknown members are ignored.</summary>
internal sealed class FaultRequestDto
{
    public string? Endpoint { get; init; }

    public int? Count { get; init; }

    public int? Status { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public string? ErrorCode { get; init; }
}

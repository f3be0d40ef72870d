namespace DocMap.Client.Testing;

/// <summary>The inside of DocMap's error envelope.</summary>
internal sealed class ErrorDto
{
    public required string Code { get; init; }

    public required string Message { get; init; }
}

namespace DocMap.Client.Testing;

/// <summary>DocMap's error envelope, <c>{"error":{"code","message"}}</c>.</summary>
internal sealed class ErrorEnvelopeDto
{
    public required ErrorDto Error { get; init; }
}

namespace DocMap.Client.Testing;

/// <summary>The answer of <c>GET /_emulator</c>: what this server is, so a client can tell it from DocMap.</summary>
internal sealed class EmulatorInfoDto
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Url { get; init; }

    public required string UserId { get; init; }

    public required SignatureInfoDto Signature { get; init; }
}

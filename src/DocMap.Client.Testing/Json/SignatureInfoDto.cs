namespace DocMap.Client.Testing;

/// <summary>How the emulator signs deliveries, as <c>GET /_emulator</c> reports it.</summary>
internal sealed class SignatureInfoDto
{
    public required string HeaderName { get; init; }

    /// <summary><c>utf8Text</c> or <c>hexBytes</c>.</summary>
    public required string KeyDerivation { get; init; }

    /// <summary><c>""</c> or <c>sha256=</c>.</summary>
    public required string Prefix { get; init; }
}

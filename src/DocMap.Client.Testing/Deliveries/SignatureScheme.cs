using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// How the emulator signs a delivery: the header, the key derivation (through <see cref="WebhookSigner"/>) and an
/// optional <c>sha256=</c> prefix on the hex value.
/// </summary>
internal sealed class SignatureScheme
{
    public const string Sha256Prefix = "sha256=";

    private readonly WebhookSignatureOptions _signerOptions;

    public SignatureScheme(string headerName, WebhookKeyDerivation keyDerivation, bool sha256Prefix)
    {
        HeaderName = headerName;
        KeyDerivation = keyDerivation;
        Prefix = sha256Prefix ? Sha256Prefix : string.Empty;
        _signerOptions = new WebhookSignatureOptions { HeaderName = headerName, KeyDerivation = keyDerivation };
    }

    public string HeaderName { get; }

    public WebhookKeyDerivation KeyDerivation { get; }

    /// <summary><c>""</c> or <c>sha256=</c>.</summary>
    public string Prefix { get; }

    /// <summary>The wire name of <see cref="KeyDerivation"/> in the control API: <c>utf8Text</c> or <c>hexBytes</c>.</summary>
    public string KeyDerivationName => KeyDerivation == WebhookKeyDerivation.HexDecoded ? "hexBytes" : "utf8Text";

    /// <summary>The signature header's value for a payload.</summary>
    public string Sign(WebhookSecret secret, ReadOnlySpan<byte> payload)
    {
        var hex = WebhookSigner.Sign(secret, payload, _signerOptions);
        return Prefix.Length == 0 ? hex : Prefix + hex;
    }

    public SignatureInfoDto ToDto() => new() { HeaderName = HeaderName, KeyDerivation = KeyDerivationName, Prefix = Prefix };
}

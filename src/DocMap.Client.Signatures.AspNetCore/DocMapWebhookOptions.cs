using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Settings for receiving DocMap webhook deliveries, bound from the configuration section <c>DocMap:Webhooks</c>
/// (see <see cref="SectionName"/>) or set in code. Validated when the app starts, and read again on every request so
/// that a configuration reload rotates secrets without a restart.
/// </summary>
public sealed class DocMapWebhookOptions
{
    /// <summary>The configuration section the settings are bound from by convention: <c>DocMap:Webhooks</c>.</summary>
    public const string SectionName = "DocMap:Webhooks";

    /// <summary>The default of <see cref="MaxBodyBytes"/>: 1 MiB.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>The largest value <see cref="MaxBodyBytes"/> accepts (the largest array .NET allocates).</summary>
    public const long MaxBodyBytesLimit = 0x7FFFFFC7;

    /// <summary>
    /// The webhook signing secrets, each exactly 64 hexadecimal characters, as DocMap returned them when the webhooks
    /// were created. At least one is required. A delivery verifies when its signature matches any of them, so list the
    /// new secret beside the old one while rotating. Configuration keys: <c>DocMap:Webhooks:Secrets:0</c>,
    /// <c>DocMap:Webhooks:Secrets:1</c>, … (environment: <c>DocMap__Webhooks__Secrets__0</c>).
    /// </summary>
    public IList<string> Secrets { get; } = new List<string>();

    /// <summary>
    /// The largest request body accepted, in bytes; larger deliveries are answered 413 without being verified.
    /// Default 1 MiB (<see cref="DefaultMaxBodyBytes"/>).
    /// </summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>The HTTP header carrying the signature. Default <c>X-DocMap-Signature</c>.</summary>
    public string HeaderName { get; set; } = WebhookSignatureOptions.DefaultHeaderName;

    /// <summary>How the HMAC key is derived from each secret. Default <see cref="WebhookKeyDerivation.Utf8Text"/>.</summary>
    public WebhookKeyDerivation KeyDerivation { get; set; } = WebhookKeyDerivation.Utf8Text;

    /// <summary>The most signatures one header may carry; entries beyond it are ignored. Default 8, at least 1.</summary>
    public int MaxSignaturesPerHeader { get; set; } = WebhookSignatureOptions.DefaultMaxSignaturesPerHeader;

    /// <summary>The configuration path named in validation messages (internal: set by the registration).</summary>
    internal string SettingsPath { get; set; } = SectionName;
}

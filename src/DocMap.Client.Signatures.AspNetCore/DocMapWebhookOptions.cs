using System.Globalization;
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

    /// <summary>The largest value <see cref="BodyReadTimeout"/> accepts: one hour.</summary>
    private static readonly TimeSpan MaxBodyReadTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// The webhook signing secrets, each exactly 64 hexadecimal characters, as DocMap returned them when the webhooks
    /// were created. At least one is required. A delivery verifies when its signature matches any of them, so list the
    /// new secret beside the old one while rotating. Configuration keys: <c>DocMap:Webhooks:Secrets:0</c>,
    /// <c>DocMap:Webhooks:Secrets:1</c>, … (environment: <c>DocMap__Webhooks__Secrets__0</c>).
    /// </summary>
    public IList<string> Secrets { get; } = new List<string>();

    /// <summary>
    /// The largest request body accepted, in bytes of body (for a chunked request, the decoded bytes: transfer framing
    /// does not count); larger deliveries are answered 413 without being verified. Default 1 MiB
    /// (<see cref="DefaultMaxBodyBytes"/>).
    /// </summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>
    /// How long the whole body may take to arrive, from the moment the endpoint starts reading it. Past it the request
    /// is answered 408 and its connection closed (the server does not go on reading the rest), so a sender cannot hold
    /// a connection and a body buffer by sending most of a body and then stalling. Default 10 seconds (DocMap gives up
    /// on a delivery after 10 seconds anyway); more than zero and at most one hour. Configuration key
    /// <c>BodyReadTimeout</c>, as <c>hh:mm:ss</c> (for example <c>00:00:10</c>).
    /// </summary>
    public TimeSpan BodyReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The HTTP header carrying the signature. Default <c>X-DocMap-Signature</c>.</summary>
    public string HeaderName { get; set; } = WebhookSignatureOptions.DefaultHeaderName;

    /// <summary>How the HMAC key is derived from each secret. Default <see cref="WebhookKeyDerivation.Utf8Text"/>.</summary>
    public WebhookKeyDerivation KeyDerivation { get; set; } = WebhookKeyDerivation.Utf8Text;

    /// <summary>The most signatures one header may carry; entries beyond it are ignored. Default 8, at least 1.</summary>
    public int MaxSignaturesPerHeader { get; set; } = WebhookSignatureOptions.DefaultMaxSignaturesPerHeader;

    /// <summary>
    /// Returns the problems with these settings, each naming its setting by <paramref name="configurationPath"/> (the
    /// bound section's path; <see cref="SectionName"/> when the options are set in code) and never showing a value;
    /// empty when they are valid.
    /// </summary>
    internal List<string> Validate(string? configurationPath)
    {
        var path = string.IsNullOrEmpty(configurationPath) ? SectionName : configurationPath;
        var problems = new List<string>();
        if (Secrets.Count == 0)
        {
            problems.Add($"{path}:Secrets: at least one webhook secret is required (64 hexadecimal characters, as DocMap returned it when the webhook was created).");
        }

        for (var i = 0; i < Secrets.Count; i++)
        {
            if (!WebhookSecret.TryParse(Secrets[i], out _))
            {
                var what = string.IsNullOrEmpty(Secrets[i]) ? "is empty" : "is not a valid webhook secret";
                problems.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}:Secrets:{i} {what}: a secret is exactly {WebhookSecret.Length} hexadecimal characters (the value is not shown)."));
            }
        }

        if (MaxBodyBytes < 1 || MaxBodyBytes > MaxBodyBytesLimit)
        {
            problems.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}:MaxBodyBytes must be between 1 and {MaxBodyBytesLimit} (the value is not shown)."));
        }

        if (BodyReadTimeout <= TimeSpan.Zero || BodyReadTimeout > MaxBodyReadTimeout)
        {
            problems.Add($"{path}:BodyReadTimeout must be more than zero and at most one hour (for example 00:00:10; the value is not shown).");
        }

        // The signature scheme's rules are WebhookSignatureOptions' own (its setters enforce the same ones).
        foreach (var problem in WebhookSignatureOptions.Validate(HeaderName, KeyDerivation, MaxSignaturesPerHeader))
        {
            problems.Add($"{path}:{problem}");
        }

        return problems;
    }
}

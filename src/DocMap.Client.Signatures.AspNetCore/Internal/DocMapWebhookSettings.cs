namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>One consistent snapshot of the settings, with the verifier built from them.</summary>
internal sealed class DocMapWebhookSettings
{
    private DocMapWebhookSettings(DocMapWebhookSettings same, DocMapWebhookOptions source)
    {
        Source = source;
        Verifier = same.Verifier;
        MaxBodyBytes = same.MaxBodyBytes;
        BodyReadTimeout = same.BodyReadTimeout;
        KeyFingerprints = same.KeyFingerprints;
        _secretTexts = same._secretTexts;
    }

    public DocMapWebhookSettings(DocMapWebhookOptions source)
    {
        Source = source;
        var secrets = new WebhookSecret[source.Secrets.Count];
        for (var i = 0; i < secrets.Length; i++)
        {
            // Validation has run (the monitor only hands out validated options), so Parse cannot fail here.
            secrets[i] = WebhookSecret.Parse(source.Secrets[i]);
        }

        Verifier = new WebhookSignatureVerifier(
            new WebhookSignatureOptions
            {
                HeaderName = source.HeaderName,
                KeyDerivation = source.KeyDerivation,
                MaxSignaturesPerHeader = source.MaxSignaturesPerHeader,
            },
            secrets);
        MaxBodyBytes = source.MaxBodyBytes;
        BodyReadTimeout = source.BodyReadTimeout;
        KeyFingerprints = string.Join(",", secrets.Select(s => s.Fingerprint));
        _secretTexts = [.. source.Secrets];
    }

    // The secrets as configured (WebhookSecret does not expose its text); the scheme options live in Verifier.Options.
    private readonly string[] _secretTexts;

    /// <summary>Whether <paramref name="options"/> would build the same verifier and limits as this snapshot.</summary>
    public bool SameContents(DocMapWebhookOptions options) =>
        options.Secrets.SequenceEqual(_secretTexts, StringComparer.Ordinal) &&
        string.Equals(options.HeaderName, HeaderName, StringComparison.Ordinal) &&
        options.KeyDerivation == Verifier.Options.KeyDerivation &&
        options.MaxSignaturesPerHeader == Verifier.Options.MaxSignaturesPerHeader &&
        options.MaxBodyBytes == MaxBodyBytes &&
        options.BodyReadTimeout == BodyReadTimeout;

    /// <summary>This snapshot (same verifier) recorded against a new, equal options instance.</summary>
    public DocMapWebhookSettings WithSource(DocMapWebhookOptions source) => new(this, source);

    /// <summary>The options instance this snapshot was built from (compared by reference to detect a change).</summary>
    public DocMapWebhookOptions Source { get; }

    public WebhookSignatureVerifier Verifier { get; }

    public string HeaderName => Verifier.Options.HeaderName;

    public long MaxBodyBytes { get; }

    public TimeSpan BodyReadTimeout { get; }

    /// <summary>The configured keys' fingerprints, comma-separated: safe to log.</summary>
    public string KeyFingerprints { get; }
}

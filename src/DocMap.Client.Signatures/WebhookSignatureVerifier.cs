using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace DocMap.Client.Signatures;

/// <summary>
/// Verifies DocMap webhook signatures against one or several secrets (one receiver may serve several webhooks, or
/// be mid-rotation). Thread-safe and meant to be reused: create one per set of secrets and keep it (for example as a
/// singleton).
/// </summary>
/// <remarks>
/// The verifier keeps keyed HMAC-SHA256 state per secret and reuses it, so a verification pays no key set-up and, on
/// .NET 10, allocates nothing. Signatures are compared in constant time. Stack use is fixed and small (never
/// proportional to the body).
/// </remarks>
public sealed class WebhookSignatureVerifier
{
    private readonly WebhookSecret[] _secrets;
    private readonly WebhookKeyDerivation _keyDerivation;
    private readonly int _maxSignaturesPerHeader;
    private readonly KeyedHmacPool _pool;
    private readonly IReadOnlyList<WebhookSecret> _secretsView;

    /// <summary>Creates a verifier with DocMap's default scheme.</summary>
    /// <param name="secrets">At least one secret.</param>
    /// <exception cref="ArgumentNullException"><paramref name="secrets"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No secret is given, or one is <see langword="null"/>.</exception>
    public WebhookSignatureVerifier(params WebhookSecret[] secrets)
        : this(new WebhookSignatureOptions(), secrets)
    {
    }

    /// <summary>Creates a verifier with the given scheme options.</summary>
    /// <param name="options">The scheme options (copied: later changes to it do not affect this verifier).</param>
    /// <param name="secrets">At least one secret.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="secrets"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No secret is given, or one is <see langword="null"/>.</exception>
    public WebhookSignatureVerifier(WebhookSignatureOptions options, params WebhookSecret[] secrets)
        : this(options, (IEnumerable<WebhookSecret>)(secrets ?? throw new ArgumentNullException(nameof(secrets))))
    {
    }

    /// <summary>Creates a verifier with the given scheme options.</summary>
    /// <param name="options">The scheme options (copied: later changes to it do not affect this verifier).</param>
    /// <param name="secrets">At least one secret; their order gives <see cref="WebhookVerificationResult.MatchedSecretIndex"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="secrets"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No secret is given, or one is <see langword="null"/>.</exception>
    public WebhookSignatureVerifier(WebhookSignatureOptions options, IEnumerable<WebhookSecret> secrets)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (secrets is null)
        {
            throw new ArgumentNullException(nameof(secrets));
        }

        _secrets = secrets.ToArray();
        if (_secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is required.", nameof(secrets));
        }

        if (Array.IndexOf(_secrets, null) >= 0)
        {
            throw new ArgumentException("A webhook secret cannot be null.", nameof(secrets));
        }

        // Snapshot the options so later changes to the caller's instance do not race with verification.
        Options = options.ToReadOnly();
        _keyDerivation = Options.KeyDerivation;
        _maxSignaturesPerHeader = Options.MaxSignaturesPerHeader;

        var keys = new byte[_secrets.Length][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = _secrets[i].GetKeyArray(_keyDerivation);
        }

        _pool = new KeyedHmacPool(keys);
        _secretsView = Array.AsReadOnly(_secrets);
    }

    /// <summary>
    /// The scheme options this verifier uses: a read-only snapshot taken at construction (its setters throw
    /// <see cref="InvalidOperationException"/>), so it can be read on every request without allocating.
    /// </summary>
    public WebhookSignatureOptions Options { get; }

    /// <summary>The secrets, in the order given (indices match <see cref="WebhookVerificationResult.MatchedSecretIndex"/>).</summary>
    public IReadOnlyList<WebhookSecret> Secrets => _secretsView;

    /// <summary>Verifies the raw body bytes against the signature header's value.</summary>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(ReadOnlySpan<byte> payload, string? signatureHeader) =>
        VerifyCore(new VerificationPayload(payload), signatureHeader);

    /// <summary>Verifies the exact UTF-8 bytes of a body string (invalid UTF-16 is encoded as U+FFFD, as <see cref="Encoding.UTF8"/> does).</summary>
    /// <param name="payload">The body text; <see langword="null"/> is treated as empty.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(string? payload, string? signatureHeader) =>
#if NET
        VerifyCore(new VerificationPayload(payload.AsSpan()), signatureHeader);
#else
        VerifyCore(new VerificationPayload(Encoding.UTF8.GetBytes(payload ?? string.Empty)), signatureHeader);
#endif

    /// <summary>Verifies a body held in a (possibly multi-segment) sequence, as pipelines hand it over.</summary>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(in ReadOnlySequence<byte> payload, string? signatureHeader) =>
        payload.IsSingleSegment
            ? VerifyCore(new VerificationPayload(payload.First.Span), signatureHeader)
            : VerifyCore(new VerificationPayload(payload), signatureHeader);

    /// <summary>Verifies, throwing <see cref="WebhookSignatureException"/> (and no other exception type) on failure.</summary>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="signatureHeader">The signature header's value.</param>
    /// <returns>The successful result (which secret matched).</returns>
    /// <exception cref="WebhookSignatureException">The signature did not verify.</exception>
    public WebhookVerificationResult VerifyOrThrow(ReadOnlySpan<byte> payload, string? signatureHeader) =>
        ThrowIfInvalid(Verify(payload, signatureHeader));

    /// <summary>Verifies a body string, throwing <see cref="WebhookSignatureException"/> on failure.</summary>
    /// <param name="payload">The body text.</param>
    /// <param name="signatureHeader">The signature header's value.</param>
    /// <returns>The successful result.</returns>
    /// <exception cref="WebhookSignatureException">The signature did not verify.</exception>
    public WebhookVerificationResult VerifyOrThrow(string? payload, string? signatureHeader) =>
        ThrowIfInvalid(Verify(payload, signatureHeader));

    /// <summary>Verifies a body sequence, throwing <see cref="WebhookSignatureException"/> on failure.</summary>
    /// <param name="payload">The body bytes.</param>
    /// <param name="signatureHeader">The signature header's value.</param>
    /// <returns>The successful result.</returns>
    /// <exception cref="WebhookSignatureException">The signature did not verify.</exception>
    public WebhookVerificationResult VerifyOrThrow(in ReadOnlySequence<byte> payload, string? signatureHeader) =>
        ThrowIfInvalid(Verify(payload, signatureHeader));

    private static WebhookVerificationResult ThrowIfInvalid(WebhookVerificationResult result) =>
        result.IsValid ? result : throw new WebhookSignatureException(result.FailureReason);

    /// <summary>
    /// The one verification every overload runs: classify the header without hashing, then, on a pooled keyed HMAC set,
    /// hash the body under each secret in turn until one matches any of the header's signatures (constant-time).
    /// </summary>
    private WebhookVerificationResult VerifyCore(scoped in VerificationPayload payload, string? signatureHeader)
    {
        Span<byte> first = stackalloc byte[SignatureHeader.SignatureSize];
        var reason = CheckHeader(signatureHeader, first, out var resume);
        if (reason != WebhookSignatureFailureReason.None)
        {
            return WebhookVerificationResult.Failure(reason);
        }

        Span<byte> mac = stackalloc byte[SignatureHeader.SignatureSize];
        var lease = new KeyedHmacLease(_pool);
        try
        {
            var set = lease.Set;
            var matched = -1;
            for (var s = 0; s < _secrets.Length && matched < 0; s++)
            {
                payload.AppendTo(set, s);
                set.Finish(s, mac);
                matched = MatchesHeader(signatureHeader!, first, resume, mac) ? s : -1;
            }

            lease.Return();
            return Result(matched);
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>
    /// Classifies a signature header without hashing anything, exactly as <see cref="Verify(ReadOnlySpan{byte}, string?)"/>
    /// does before it reads the payload: <see cref="WebhookSignatureFailureReason.MissingSignature"/> when it is absent or
    /// blank, <see cref="WebhookSignatureFailureReason.MalformedSignature"/> when no entry is a well-formed signature, else
    /// <see cref="WebhookSignatureFailureReason.None"/> (well-formed; not yet verified). Lets a receiver reject a request
    /// before reading its body. Never throws; allocates nothing.
    /// </summary>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The header's classification.</returns>
    public static WebhookSignatureFailureReason CheckSignatureHeader(string? signatureHeader)
    {
        Span<byte> first = stackalloc byte[SignatureHeader.SignatureSize];
        return CheckHeader(signatureHeader, first, out _);
    }

    private WebhookVerificationResult Result(int matched) =>
        matched >= 0
            ? WebhookVerificationResult.Success(matched, _secrets[matched])
            : WebhookVerificationResult.Failure(WebhookSignatureFailureReason.SignatureMismatch);

    /// <summary>
    /// Missing when absent or blank; malformed when no entry is a well-formed signature; else None, with the first
    /// well-formed signature decoded into <paramref name="first"/> and <paramref name="resume"/> just after it.
    /// </summary>
    private static WebhookSignatureFailureReason CheckHeader(string? header, Span<byte> first, out int resume)
    {
        resume = 0;
        if (string.IsNullOrWhiteSpace(header))
        {
            return WebhookSignatureFailureReason.MissingSignature;
        }

        while (SignatureHeader.NextEntry(header!, ref resume, out var start, out var length))
        {
            if (SignatureHeader.TryDecode(header.AsSpan(start, length), first))
            {
                return WebhookSignatureFailureReason.None;
            }
        }

        return WebhookSignatureFailureReason.MalformedSignature;
    }

    /// <summary>
    /// Whether any of the first <c>MaxSignaturesPerHeader</c> well-formed entries equals <paramref name="mac"/>:
    /// the already-decoded first one, then those after <paramref name="resume"/>. Each comparison is constant-time.
    /// </summary>
    private bool MatchesHeader(string header, ReadOnlySpan<byte> first, int resume, ReadOnlySpan<byte> mac)
    {
        if (FixedTime.Equals(first, mac))
        {
            return true;
        }

        Span<byte> candidate = stackalloc byte[SignatureHeader.SignatureSize];
        var position = resume;
        var seen = 1;
        while (seen < _maxSignaturesPerHeader && SignatureHeader.NextEntry(header, ref position, out var start, out var length))
        {
            if (!SignatureHeader.TryDecode(header.AsSpan(start, length), candidate))
            {
                continue;
            }

            seen++;
            if (FixedTime.Equals(candidate, mac))
            {
                return true;
            }
        }

        return false;
    }
}

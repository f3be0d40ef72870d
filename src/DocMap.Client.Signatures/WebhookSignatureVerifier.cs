using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace DocMap.Client.Signatures;

/// <summary>
/// Verifies DocMap webhook signatures against one or several secrets (one receiver may serve several webhooks, or
/// be mid-rotation). Thread-safe and meant to be reused.
/// </summary>
public sealed class WebhookSignatureVerifier
{
    private readonly WebhookSecret[] _secrets;

    /// <summary>Creates a verifier with DocMap's default scheme.</summary>
    /// <param name="secrets">At least one secret.</param>
    /// <exception cref="ArgumentException">No secret is given, or one is <see langword="null"/>.</exception>
    public WebhookSignatureVerifier(params WebhookSecret[] secrets)
        : this(new WebhookSignatureOptions(), secrets)
    {
    }

    /// <summary>Creates a verifier with the given scheme options.</summary>
    /// <param name="options">The scheme options.</param>
    /// <param name="secrets">At least one secret.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No secret is given, or one is <see langword="null"/>.</exception>
    public WebhookSignatureVerifier(WebhookSignatureOptions options, params WebhookSecret[] secrets)
        : this(options, (IEnumerable<WebhookSecret>)(secrets ?? throw new ArgumentNullException(nameof(secrets))))
    {
    }

    /// <summary>Creates a verifier with the given scheme options.</summary>
    /// <param name="options">The scheme options.</param>
    /// <param name="secrets">At least one secret.</param>
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
        Options = new WebhookSignatureOptions
        {
            HeaderName = options.HeaderName,
            KeyDerivation = options.KeyDerivation,
            MaxSignaturesPerHeader = options.MaxSignaturesPerHeader,
        };
    }

    /// <summary>A snapshot of the scheme options this verifier uses.</summary>
    public WebhookSignatureOptions Options { get; }

    /// <summary>The secrets, in the order given (indices match <see cref="WebhookVerificationResult.MatchedSecretIndex"/>).</summary>
    public IReadOnlyList<WebhookSecret> Secrets => _secrets;

    /// <summary>Verifies the raw body bytes against the signature header's value.</summary>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(ReadOnlySpan<byte> payload, string? signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookVerificationResult.Failure(WebhookSignatureFailureReason.MissingSignature);
        }

        var candidates = ParseCandidates(signatureHeader!);
        if (candidates.Count == 0)
        {
            return WebhookVerificationResult.Failure(WebhookSignatureFailureReason.MalformedSignature);
        }

        var bytes = payload.ToArray();
        for (var s = 0; s < _secrets.Length; s++)
        {
            using var hmac = new HMACSHA256(_secrets[s].GetKeyArray(Options.KeyDerivation));
            var expected = hmac.ComputeHash(bytes);
            foreach (var candidate in candidates)
            {
                if (FixedTime.Equals(expected, candidate))
                {
                    return WebhookVerificationResult.Success(s, _secrets[s]);
                }
            }
        }

        return WebhookVerificationResult.Failure(WebhookSignatureFailureReason.SignatureMismatch);
    }

    /// <summary>Verifies the exact UTF-8 bytes of a body string.</summary>
    /// <param name="payload">The body text; <see langword="null"/> is treated as empty.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(string? payload, string? signatureHeader) =>
        Verify(Encoding.UTF8.GetBytes(payload ?? string.Empty), signatureHeader);

    /// <summary>Verifies a body held in a (possibly multi-segment) sequence, as pipelines hand it over.</summary>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="signatureHeader">The signature header's value; <see langword="null"/> when absent.</param>
    /// <returns>The result; never throws for any input.</returns>
    public WebhookVerificationResult Verify(in ReadOnlySequence<byte> payload, string? signatureHeader) =>
        Verify(payload.ToArray(), signatureHeader);

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

    private List<byte[]> ParseCandidates(string header)
    {
        var result = new List<byte[]>();
        foreach (var raw in header.Split(new[] { ',', ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (result.Count >= Options.MaxSignaturesPerHeader)
            {
                break;
            }

            var entry = raw.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) ? raw.Substring(7) : raw;
            if (entry.Length != 64)
            {
                continue;
            }

            var bytes = new byte[32];
            var ok = true;
            for (var i = 0; i < 32 && ok; i++)
            {
                int hi = WebhookSecret.HexValue(entry[2 * i]), lo = WebhookSecret.HexValue(entry[(2 * i) + 1]);
                ok = hi >= 0 && lo >= 0;
                bytes[i] = (byte)((hi << 4) | lo);
            }

            if (ok)
            {
                result.Add(bytes);
            }
        }

        return result;
    }
}

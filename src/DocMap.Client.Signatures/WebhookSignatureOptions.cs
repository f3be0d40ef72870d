using System;
using System.Collections.Generic;

namespace DocMap.Client.Signatures;

/// <summary>Every part of the signature scheme that a sender may do differently. The defaults match DocMap.</summary>
public sealed class WebhookSignatureOptions
{
    /// <summary>The default signature header, <c>X-DocMap-Signature</c>.</summary>
    public const string DefaultHeaderName = "X-DocMap-Signature";

    /// <summary>The default of <see cref="MaxSignaturesPerHeader"/>.</summary>
    public const int DefaultMaxSignaturesPerHeader = 8;

    private string _headerName = DefaultHeaderName;
    private WebhookKeyDerivation _keyDerivation = WebhookKeyDerivation.Utf8Text;
    private int _maxSignaturesPerHeader = DefaultMaxSignaturesPerHeader;
    private bool _readOnly;

    /// <summary>The HTTP header that carries the signature. Default <c>X-DocMap-Signature</c>.</summary>
    /// <exception cref="ArgumentException">The value is null, empty, white space, or not an HTTP header name (a token: no spaces, colons or non-ASCII characters).</exception>
    /// <exception cref="InvalidOperationException">These are a verifier's read-only options (<see cref="WebhookSignatureVerifier.Options"/>).</exception>
    public string HeaderName
    {
        get => _headerName;
        set
        {
            ThrowIfReadOnly();
            if (HeaderNameProblem(value) is { } problem)
            {
                throw new ArgumentException(problem, nameof(value));
            }

            _headerName = value;
        }
    }

    /// <summary>How the HMAC key is derived from the secret. Default <see cref="WebhookKeyDerivation.Utf8Text"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="WebhookKeyDerivation"/>.</exception>
    /// <exception cref="InvalidOperationException">These are a verifier's read-only options (<see cref="WebhookSignatureVerifier.Options"/>).</exception>
    public WebhookKeyDerivation KeyDerivation
    {
        get => _keyDerivation;
        set
        {
            ThrowIfReadOnly();
            if (KeyDerivationProblem(value) is { } problem)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, problem);
            }

            _keyDerivation = value;
        }
    }

    /// <summary>
    /// The most well-formed signatures tried from one header; further entries are ignored (malformed entries are
    /// skipped and do not count). Default 8, at least 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    /// <exception cref="InvalidOperationException">These are a verifier's read-only options (<see cref="WebhookSignatureVerifier.Options"/>).</exception>
    public int MaxSignaturesPerHeader
    {
        get => _maxSignaturesPerHeader;
        set
        {
            ThrowIfReadOnly();
            if (MaxSignaturesPerHeaderProblem(value) is { } problem)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, problem);
            }

            _maxSignaturesPerHeader = value;
        }
    }

    /// <summary>
    /// Checks values for these options by the rules their setters enforce, without throwing, so that code which collects
    /// the values elsewhere (for example a receiver that binds them from configuration) can report every problem at once,
    /// by the same rules, before it creates options or a verifier.
    /// </summary>
    /// <param name="headerName">A value for <see cref="HeaderName"/>.</param>
    /// <param name="keyDerivation">A value for <see cref="KeyDerivation"/>.</param>
    /// <param name="maxSignaturesPerHeader">A value for <see cref="MaxSignaturesPerHeader"/>.</param>
    /// <returns>
    /// One sentence per invalid value, in the order of the parameters, each starting with the property's name (for
    /// example <c>MaxSignaturesPerHeader must be at least 1.</c>) so a caller can put its own setting path in front, and
    /// never quoting the value; empty when every value is valid.
    /// </returns>
    public static IReadOnlyList<string> Validate(string? headerName, WebhookKeyDerivation keyDerivation, int maxSignaturesPerHeader)
    {
        List<string>? problems = null;
        foreach (var problem in new[] { HeaderNameProblem(headerName), KeyDerivationProblem(keyDerivation), MaxSignaturesPerHeaderProblem(maxSignaturesPerHeader) })
        {
            if (problem is not null)
            {
                (problems ??= new List<string>()).Add(problem);
            }
        }

        return problems ?? (IReadOnlyList<string>)Array.Empty<string>();
    }

    /// <summary>A read-only copy, as a verifier keeps and exposes it.</summary>
    internal WebhookSignatureOptions ToReadOnly() => new()
    {
        _headerName = _headerName,
        _keyDerivation = _keyDerivation,
        _maxSignaturesPerHeader = _maxSignaturesPerHeader,
        _readOnly = true,
    };

    // The rules, once: the setters throw with these sentences and Validate returns them.
    private static string? HeaderNameProblem(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{nameof(HeaderName)} must not be empty.";
        }

        foreach (var c in value!)
        {
            // An HTTP field name is a token (RFC 9110, section 5.1): a name with a space, a colon or a non-ASCII character
            // can never arrive, so every delivery would be refused as unsigned.
            if (!IsTokenChar(c))
            {
                return $"{nameof(HeaderName)} must be an HTTP header name: ASCII letters, digits and !#$%&'*+-.^_`|~ only (no spaces or colons).";
            }
        }

        return null;
    }

    private static bool IsTokenChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or
            '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private static string? KeyDerivationProblem(WebhookKeyDerivation value) =>
        value is WebhookKeyDerivation.Utf8Text or WebhookKeyDerivation.HexDecoded
            ? null
            : $"{nameof(KeyDerivation)} must be {nameof(WebhookKeyDerivation.Utf8Text)} or {nameof(WebhookKeyDerivation.HexDecoded)}.";

    private static string? MaxSignaturesPerHeaderProblem(int value) =>
        value >= 1 ? null : $"{nameof(MaxSignaturesPerHeader)} must be at least 1.";

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException(
                "These options belong to a WebhookSignatureVerifier and cannot be changed; create new options and a new verifier.");
        }
    }
}

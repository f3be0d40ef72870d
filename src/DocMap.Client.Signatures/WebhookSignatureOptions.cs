using System;

namespace DocMap.Client.Signatures;

/// <summary>How the HMAC key is derived from the 64-hex webhook secret.</summary>
public enum WebhookKeyDerivation
{
    /// <summary>The UTF-8 bytes of the 64-character secret text (what <c>createHmac('sha256', secret)</c> does). The default.</summary>
    Utf8Text = 0,

    /// <summary>The 32 bytes the 64 hex characters decode to.</summary>
    HexDecoded = 1,
}

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
    /// <exception cref="ArgumentException">The value is null, empty or white space.</exception>
    /// <exception cref="InvalidOperationException">These are a verifier's read-only options (<see cref="WebhookSignatureVerifier.Options"/>).</exception>
    public string HeaderName
    {
        get => _headerName;
        set
        {
            ThrowIfReadOnly();
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException("The signature header name cannot be empty.", nameof(value));
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
            if (value is not (WebhookKeyDerivation.Utf8Text or WebhookKeyDerivation.HexDecoded))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown key derivation.");
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
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "At least one signature per header must be allowed.");
            }

            _maxSignaturesPerHeader = value;
        }
    }

    /// <summary>A read-only copy, as a verifier keeps and exposes it.</summary>
    internal WebhookSignatureOptions ToReadOnly() => new()
    {
        _headerName = _headerName,
        _keyDerivation = _keyDerivation,
        _maxSignaturesPerHeader = _maxSignaturesPerHeader,
        _readOnly = true,
    };

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException(
                "These options belong to a WebhookSignatureVerifier and cannot be changed; create new options and a new verifier.");
        }
    }
}

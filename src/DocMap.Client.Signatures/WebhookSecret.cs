using System;
using System.Security.Cryptography;

namespace DocMap.Client.Signatures;

/// <summary>
/// A webhook signing secret: exactly 64 hexadecimal characters, returned by DocMap once, when the webhook is created.
/// <see cref="ToString"/> is redacted and no exception message ever contains the value.
/// </summary>
/// <remarks>
/// The text is kept exactly as given (its case is not changed): under the default
/// <see cref="WebhookKeyDerivation.Utf8Text"/> derivation the HMAC key is the UTF-8 bytes of that exact text, so a
/// secret re-typed in another case is a different key. Under <see cref="WebhookKeyDerivation.HexDecoded"/> case does
/// not matter.
/// </remarks>
public sealed class WebhookSecret : IEquatable<WebhookSecret>
{
    /// <summary>The length of a secret in characters.</summary>
    public const int Length = 64;

    private const int DecodedLength = Length / 2;

    private readonly byte[] _utf8Key;
    private readonly byte[] _hexKey;

    private WebhookSecret(string text)
    {
        _utf8Key = new byte[Length];
        _hexKey = new byte[DecodedLength];
        for (var i = 0; i < Length; i++)
        {
            _utf8Key[i] = (byte)text[i];
        }

        for (var i = 0; i < DecodedLength; i++)
        {
            _hexKey[i] = (byte)((HexValue(text[2 * i]) << 4) | HexValue(text[(2 * i) + 1]));
        }

#if NET
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(_utf8Key, digest);
        Fingerprint = Convert.ToHexStringLower(digest.Slice(0, 4));
#else
        using var sha = SHA256.Create();
        var digest = sha.ComputeHash(_utf8Key);
        Fingerprint = ToLowerHex(digest, 4);
#endif
    }

    /// <summary>
    /// A short, stable, non-reversible identifier of this secret for logs: the first 8 hex characters of the
    /// SHA-256 of the secret text. Safe to log; never the secret itself.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Parses a secret of exactly 64 hexadecimal characters, either case.</summary>
    /// <param name="secret">The secret text.</param>
    /// <returns>The parsed secret.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException">The text is not exactly 64 hexadecimal characters (the message never contains the text).</exception>
    public static WebhookSecret Parse(string secret)
    {
        if (secret is null)
        {
            throw new ArgumentNullException(nameof(secret));
        }

        if (!TryParse(secret, out var parsed))
        {
            throw new FormatException(
                $"A DocMap webhook secret is exactly {Length} hexadecimal characters; the value given has {secret.Length} characters" +
                (secret.Length == Length ? " and contains a non-hexadecimal character." : "."));
        }

        return parsed!;
    }

    /// <summary>Tries to parse a secret of exactly 64 hexadecimal characters, either case.</summary>
    /// <param name="secret">The secret text.</param>
    /// <param name="result">The parsed secret, or <see langword="null"/>.</param>
    /// <returns>Whether the text is a valid secret.</returns>
    public static bool TryParse(string? secret, out WebhookSecret? result)
    {
        result = null;
        if (secret is null || secret.Length != Length)
        {
            return false;
        }

        foreach (var c in secret)
        {
            if (HexValue(c) < 0)
            {
                return false;
            }
        }

        result = new WebhookSecret(secret);
        return true;
    }

    /// <summary>The HMAC key for the given derivation. Internal (the key never leaves the SDK); callers must not modify it.</summary>
    internal byte[] GetKeyArray(WebhookKeyDerivation derivation) =>
        derivation == WebhookKeyDerivation.HexDecoded ? _hexKey : _utf8Key;

    /// <summary>A redacted text: <c>WebhookSecret(****, fingerprint xxxxxxxx)</c>. Never the secret.</summary>
    /// <returns>The redacted text.</returns>
    public override string ToString() => $"WebhookSecret(****, fingerprint {Fingerprint})";

    /// <summary>
    /// Compares two secrets' exact text in constant time (secrets that differ only in letter case are different
    /// keys under the default derivation, so they are not equal).
    /// </summary>
    /// <param name="other">The other secret.</param>
    /// <returns>Whether both hold the same text.</returns>
    public bool Equals(WebhookSecret? other) =>
        other is not null && FixedTime.Equals(_utf8Key, other._utf8Key);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as WebhookSecret);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Fingerprint);

    internal static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    internal static string ToLowerHex(ReadOnlySpan<byte> bytes, int count)
    {
#if NET
        return Convert.ToHexStringLower(bytes.Slice(0, count));
#else
        const string digits = "0123456789abcdef";
        var chars = new char[count * 2];
        for (var i = 0; i < count; i++)
        {
            chars[2 * i] = digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }

        return new string(chars);
#endif
    }
}

using System;
using System.Security.Cryptography;
using System.Text;

namespace DocMap.Client.Signatures;

/// <summary>
/// A webhook signing secret: exactly 64 hexadecimal characters, returned by DocMap once, when the webhook is created.
/// <see cref="ToString"/> is redacted and no exception message ever contains the value.
/// </summary>
public sealed class WebhookSecret : IEquatable<WebhookSecret>
{
    /// <summary>The length of a secret in characters.</summary>
    public const int Length = 64;

    private readonly byte[] _utf8Key;
    private readonly byte[] _hexKey;

    private WebhookSecret(string text)
    {
        _utf8Key = Encoding.ASCII.GetBytes(text);
        _hexKey = new byte[Length / 2];
        for (var i = 0; i < _hexKey.Length; i++)
        {
            _hexKey[i] = (byte)((HexValue(text[2 * i]) << 4) | HexValue(text[(2 * i) + 1]));
        }

        using var sha = SHA256.Create();
        var digest = sha.ComputeHash(_utf8Key);
        Fingerprint = ToLowerHex(digest, 4);
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

    /// <summary>The HMAC key bytes for the given derivation. Internal: the key never leaves the SDK.</summary>
    internal ReadOnlySpan<byte> GetKey(WebhookKeyDerivation derivation) =>
        derivation == WebhookKeyDerivation.HexDecoded ? _hexKey : _utf8Key;

    internal byte[] GetKeyArray(WebhookKeyDerivation derivation) =>
        derivation == WebhookKeyDerivation.HexDecoded ? _hexKey : _utf8Key;

    /// <summary>A redacted text: <c>WebhookSecret(****, fingerprint xxxxxxxx)</c>. Never the secret.</summary>
    public override string ToString() => $"WebhookSecret(****, fingerprint {Fingerprint})";

    /// <summary>Compares two secrets in constant time.</summary>
    /// <param name="other">The other secret.</param>
    public bool Equals(WebhookSecret? other) =>
        other is not null && FixedTime.Equals(_hexKey, other._hexKey);

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

    internal static string ToLowerHex(byte[] bytes, int count)
    {
        const string digits = "0123456789abcdef";
        var chars = new char[count * 2];
        for (var i = 0; i < count; i++)
        {
            chars[2 * i] = digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }

        return new string(chars);
    }
}

using System;
using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace DocMap.Client.Signatures;

/// <summary>Signs payloads the way DocMap does, for tests, emulators and senders.</summary>
public static class WebhookSigner
{
    /// <summary>Signs a payload with DocMap's default scheme: the lower-case hex HMAC-SHA256 of the bytes, keyed by the UTF-8 text of the secret.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <param name="payload">The exact request body bytes.</param>
    /// <returns>The header value: 64 lower-case hex characters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> is <see langword="null"/>.</exception>
    public static string Sign(WebhookSecret secret, ReadOnlySpan<byte> payload) => Sign(secret, payload, null);

    /// <summary>Signs the exact UTF-8 bytes of a payload string with DocMap's default scheme.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <param name="payload">The body text; its exact UTF-8 bytes are signed.</param>
    /// <returns>The header value: 64 lower-case hex characters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> or <paramref name="payload"/> is <see langword="null"/>.</exception>
    public static string Sign(WebhookSecret secret, string payload) => Sign(secret, payload, null);

    /// <summary>Signs a payload: the lower-case hex HMAC-SHA256 of the bytes, which is the signature header's value.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <param name="payload">The exact request body bytes.</param>
    /// <param name="options">The scheme options (key derivation); <see langword="null"/> for DocMap's defaults.</param>
    /// <returns>The header value: 64 lower-case hex characters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> is <see langword="null"/>.</exception>
    public static string Sign(WebhookSecret secret, ReadOnlySpan<byte> payload, WebhookSignatureOptions? options)
    {
        if (secret is null)
        {
            throw new ArgumentNullException(nameof(secret));
        }

        var key = secret.GetKeyArray(options?.KeyDerivation ?? WebhookKeyDerivation.Utf8Text);
#if NET
        Span<byte> mac = stackalloc byte[SignatureHeader.SignatureSize];
        HMACSHA256.HashData(key, payload, mac);
        return Convert.ToHexStringLower(mac);
#else
        using var hmac = new HMACSHA256(key);
        var hash = hmac.ComputeHash(payload.ToArray());
        return WebhookSecret.ToLowerHex(hash, hash.Length);
#endif
    }

    /// <summary>Signs the UTF-8 bytes of a payload string.</summary>
    /// <param name="secret">The webhook secret.</param>
    /// <param name="payload">The body text; its exact UTF-8 bytes are signed.</param>
    /// <param name="options">The scheme options; <see langword="null"/> for DocMap's defaults.</param>
    /// <returns>The header value: 64 lower-case hex characters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="secret"/> or <paramref name="payload"/> is <see langword="null"/>.</exception>
    public static string Sign(WebhookSecret secret, string payload, WebhookSignatureOptions? options)
    {
        if (secret is null)
        {
            throw new ArgumentNullException(nameof(secret));
        }

        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetByteCount(payload)));
        try
        {
            var length = Encoding.UTF8.GetBytes(payload, 0, payload.Length, buffer, 0);
            return Sign(secret, buffer.AsSpan(0, length), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}

using System;
using System.Security.Cryptography;

namespace DocMap.Client.Signatures;

/// <summary>
/// Keyed HMAC-SHA256 states, one per secret of a verifier, created lazily and reused through
/// <c>GetHashAndReset</c> so the key set-up is paid once, not on every verification. Not thread-safe: one instance
/// is used by one thread at a time, handed out by <see cref="KeyedHmacPool"/>.
/// </summary>
internal sealed class KeyedHmacSet : IDisposable
{
    /// <summary>Size of the scratch buffer used to feed the hash from text (and, on netstandard2.0, from spans).</summary>
    internal const int ScratchSize = 16 * 1024;

    private readonly byte[][] _keys;
    private readonly IncrementalHash?[] _hashes;
    private byte[]? _scratch;

    public KeyedHmacSet(byte[][] keys)
    {
        _keys = keys;
        _hashes = new IncrementalHash?[keys.Length];
    }

    /// <summary>A reusable buffer owned by this set (allocated once, on first use).</summary>
    public byte[] Scratch => _scratch ??= new byte[ScratchSize];

    /// <summary>Appends data to the running HMAC of secret <paramref name="index"/>.</summary>
    public void Append(int index, ReadOnlySpan<byte> data)
    {
        var hash = _hashes[index] ??= IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _keys[index]);
#if NET
        hash.AppendData(data);
#else
        var scratch = Scratch;
        while (!data.IsEmpty)
        {
            var n = Math.Min(data.Length, scratch.Length);
            data.Slice(0, n).CopyTo(scratch);
            hash.AppendData(scratch, 0, n);
            data = data.Slice(n);
        }
#endif
    }

    /// <summary>Writes the HMAC of secret <paramref name="index"/> into <paramref name="mac"/> (32 bytes) and resets it, keeping the key.</summary>
    public void Finish(int index, Span<byte> mac)
    {
        var hash = _hashes[index] ??= IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _keys[index]);
#if NET
        hash.GetHashAndReset(mac);
#else
        hash.GetHashAndReset().AsSpan().CopyTo(mac);
#endif
    }

    public void Dispose()
    {
        for (var i = 0; i < _hashes.Length; i++)
        {
            _hashes[i]?.Dispose();
            _hashes[i] = null;
        }
    }
}

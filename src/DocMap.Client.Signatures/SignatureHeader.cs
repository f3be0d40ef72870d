using System;

namespace DocMap.Client.Signatures;

/// <summary>
/// Reads a signature header without allocating: a list of entries separated by commas, spaces or tabs, each either
/// 64 hex characters or <c>sha256=</c> followed by 64 hex characters (either case). Malformed entries are skipped.
/// </summary>
internal static class SignatureHeader
{
    /// <summary>The size of a decoded signature (HMAC-SHA256) in bytes.</summary>
    public const int SignatureSize = 32;

    private const string Prefix = "sha256=";

    /// <summary>Finds the next non-empty entry at or after <paramref name="position"/>, moving past it.</summary>
    public static bool NextEntry(string header, ref int position, out int start, out int length)
    {
        var i = position;
        while (i < header.Length && IsSeparator(header[i]))
        {
            i++;
        }

        start = i;
        while (i < header.Length && !IsSeparator(header[i]))
        {
            i++;
        }

        length = i - start;
        position = i;
        return length > 0;
    }

    /// <summary>Decodes one entry into <paramref name="destination"/> (32 bytes); false when it is not a well-formed signature.</summary>
    public static bool TryDecode(ReadOnlySpan<char> entry, Span<byte> destination)
    {
        if (entry.Length == Prefix.Length + (2 * SignatureSize) && HasPrefix(entry))
        {
            entry = entry.Slice(Prefix.Length);
        }

        if (entry.Length != 2 * SignatureSize)
        {
            return false;
        }

#if NET
        // Vectorised in the BCL; fails on any non-hex character.
        return Convert.FromHexString(entry, destination.Slice(0, SignatureSize), out _, out var written) == System.Buffers.OperationStatus.Done &&
               written == SignatureSize;
#else
        var invalid = 0;
        for (var i = 0; i < SignatureSize; i++)
        {
            int hi = WebhookSecret.HexValue(entry[2 * i]), lo = WebhookSecret.HexValue(entry[(2 * i) + 1]);
            invalid |= hi | lo;
            destination[i] = (byte)((hi << 4) | lo);
        }

        return invalid >= 0;
#endif
    }

    private static bool HasPrefix(ReadOnlySpan<char> entry)
    {
        for (var i = 0; i < Prefix.Length; i++)
        {
            // ASCII case folding: 's','h','a' fold with 0x20; digits and '=' are compared exactly.
            var c = entry[i];
            if (c is >= 'A' and <= 'Z')
            {
                c = (char)(c | 0x20);
            }

            if (c != Prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsSeparator(char c) => c is ',' or ' ' or '\t';
}

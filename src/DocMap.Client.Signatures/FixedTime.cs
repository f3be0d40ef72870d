using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DocMap.Client.Signatures;

internal static class FixedTime
{
    /// <summary>
    /// Constant-time comparison: for spans of equal length the time taken does not depend on their contents (the
    /// length itself is not secret). Eight bytes at a time are XOR-ed into one accumulator with no data-dependent
    /// branch; only the final, accumulated result is tested. (<c>CryptographicOperations.FixedTimeEquals</c> does the
    /// same byte by byte with optimisation disabled, which costs about 100 ns for 32 bytes.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Equals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        ulong accumulator = 0;
        var i = 0;
        for (; i + sizeof(ulong) <= left.Length; i += sizeof(ulong))
        {
            accumulator |= MemoryMarshal.Read<ulong>(left.Slice(i)) ^ MemoryMarshal.Read<ulong>(right.Slice(i));
        }

        for (; i < left.Length; i++)
        {
            accumulator |= (uint)(left[i] ^ right[i]);
        }

        return accumulator == 0;
    }
}

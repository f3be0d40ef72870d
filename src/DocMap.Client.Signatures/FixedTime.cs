using System;
using System.Runtime.CompilerServices;

namespace DocMap.Client.Signatures;

internal static class FixedTime
{
    /// <summary>Constant-time comparison (for equal lengths); the length itself is not secret.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    public static bool Equals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
#if NET
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(left, right);
#else
        if (left.Length != right.Length)
        {
            return false;
        }

        var accumulator = 0;
        for (var i = 0; i < left.Length; i++)
        {
            accumulator |= left[i] - right[i];
        }

        return accumulator == 0;
#endif
    }
}

using System;

namespace DocMap.Client.Signatures;

/// <summary>
/// One verification's hold on a pooled <see cref="KeyedHmacSet"/>: rented when created, handed back to the pool by
/// <see cref="Return"/> once hashing finished, and disposed instead by <see cref="Dispose"/> when it was not returned
/// (hashing threw, so the set's HMAC state may be half fed and must not be reused). A <see langword="ref"/> struct, so
/// it lives on the stack and costs no allocation on either target.
/// </summary>
/// <remarks>
/// Use it with <c>try</c>/<c>finally</c>, not <c>using</c>: a <c>using</c> variable is read-only, so <see cref="Return"/>
/// would run on a copy and <see cref="Dispose"/> would then dispose a set the pool already holds.
/// </remarks>
internal ref struct KeyedHmacLease
{
    private readonly KeyedHmacPool _pool;
    private KeyedHmacSet? _set;

    public KeyedHmacLease(KeyedHmacPool pool)
    {
        _pool = pool;
        _set = pool.Rent();
    }

    /// <summary>The rented set; valid until <see cref="Return"/> or <see cref="Dispose"/>.</summary>
    public readonly KeyedHmacSet Set => _set ?? throw new InvalidOperationException("The HMAC lease has ended.");

    /// <summary>Hands the set back to the pool: hashing finished and every HMAC was reset by <see cref="KeyedHmacSet.Finish"/>.</summary>
    public void Return()
    {
        var set = _set;
        _set = null;
        if (set is not null)
        {
            _pool.Return(set);
        }
    }

    /// <summary>Disposes the set unless it was returned (only reached with a set when hashing threw).</summary>
    public void Dispose()
    {
        var set = _set;
        _set = null;
        set?.Dispose();
    }
}

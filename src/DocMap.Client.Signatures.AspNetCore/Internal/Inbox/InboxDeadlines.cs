using System.Collections.Concurrent;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Cancellation tokens that fire after a timeout, in real time, shared by every request whose deadline falls in the same
/// <see cref="ResolutionMs"/> slot: the accept path gets its store call's deadline without allocating a token source and
/// a timer per request. A token fires between the timeout and the timeout plus <see cref="ResolutionMs"/>. One timer per
/// app ticks while any deadline is pending.
/// </summary>
internal sealed class InboxDeadlines : IDisposable
{
    public const long ResolutionMs = 50;

    private readonly ConcurrentDictionary<long, CancellationTokenSource> _slots = new();
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private bool _ticking;
    private bool _disposed;

    public InboxDeadlines() => _timer = new Timer(static s => ((InboxDeadlines)s!).Tick(), this, Timeout.Infinite, Timeout.Infinite);

    /// <summary>A token that is cancelled once <paramref name="timeout"/> has passed (within <see cref="ResolutionMs"/> more).</summary>
    public CancellationToken After(TimeSpan timeout)
    {
        var slot = (Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds) + ResolutionMs - 1) / ResolutionMs;
        if (_slots.TryGetValue(slot, out var existing))
        {
            return existing.Token;
        }

        var source = _slots.GetOrAdd(slot, static _ => new CancellationTokenSource());
        EnsureTicking();
        if (Volatile.Read(ref _disposed))
        {
            // Disposed (the app is shutting down): no timer ticks any more, so the deadline has passed already.
            _slots.TryRemove(slot, out _);
            source.Cancel();
        }

        return source.Token;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
        }

        foreach (var slot in _slots.Values)
        {
            slot.Cancel();
        }

        _slots.Clear();
    }

    private void EnsureTicking()
    {
        // Pairs with the barrier in Tick: either this call sees the timer stopped, or Tick sees the new slot.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _ticking))
        {
            return;
        }

        lock (_gate)
        {
            if (!_ticking && !_disposed)
            {
                _ticking = true;
                _timer.Change(ResolutionMs, ResolutionMs);
            }
        }
    }

    private void Tick()
    {
        var now = Environment.TickCount64 / ResolutionMs;
        foreach (var slot in _slots.Keys)
        {
            if (slot <= now && _slots.TryRemove(slot, out var source))
            {
                // Not disposed: a request may still hold the token; the source is collected with it.
                source.Cancel();
            }
        }

        if (_slots.IsEmpty)
        {
            lock (_gate)
            {
                if (_slots.IsEmpty && !_disposed)
                {
                    _ticking = false;
                    _timer.Change(Timeout.Infinite, Timeout.Infinite);
                }
            }

            // A slot added between the emptiness check and the stop saw the timer still ticking and did not start it:
            // start it again for that slot, or its token would never fire.
            Interlocked.MemoryBarrier();
            if (!_slots.IsEmpty)
            {
                EnsureTicking();
            }
        }
    }
}

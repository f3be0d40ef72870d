using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The store's last <see cref="IDocMapWebhookInboxStore.GetStatsAsync"/> answer, for the inbox's gauges. Reading it
/// (<see cref="Current"/>, from a metrics collection callback) never waits for the store: it returns what it has and,
/// when that is older than <see cref="RefreshInterval"/>, starts one refresh in the background (at most one at a time,
/// at most one per interval, bounded by <see cref="RefreshTimeout"/>), so however often and however many listeners
/// collect, the store is asked at most once per interval, and only while somebody collects. Counts older than
/// <see cref="StaleAfter"/> (the store has not answered since) are not reported: a gauge then has no value rather than a
/// wrong one.
/// </summary>
internal sealed class InboxStatsCache(IDocMapWebhookInboxStore store, TimeProvider time)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private Snapshot? _last;
    private long _lastRefreshStartedTicks; // 0: never (DateTimeOffset.MinValue)
    private int _refreshing;
    private long _refreshes;

    /// <summary>How many refreshes were started (for tests).</summary>
    internal long Refreshes => Interlocked.Read(ref _refreshes);

    /// <summary>The last counts (or <see langword="null"/> when there are none yet, or they are stale); may start a background refresh.</summary>
    public InboxStats? Current()
    {
        var now = time.GetUtcNow();
        var last = Volatile.Read(ref _last);
        if ((last is null || now - last.At >= RefreshInterval) &&
            now.UtcTicks - Interlocked.Read(ref _lastRefreshStartedTicks) >= RefreshInterval.Ticks &&
            Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
        {
            Interlocked.Exchange(ref _lastRefreshStartedTicks, now.UtcTicks);
            Interlocked.Increment(ref _refreshes);

            // On the thread pool: a store that answers synchronously (or slowly) never runs on the collecting thread.
            _ = Task.Run(RefreshAsync);
        }

        return last is not null && now - last.At < StaleAfter ? last.Stats : null;
    }

    private async Task RefreshAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(RefreshTimeout, time);
            var stats = await InboxStoreCalls.WaitAsync(store.GetStatsAsync(timeout.Token), RefreshTimeout, time).ConfigureAwait(false);
            if (stats is not null)
            {
                Volatile.Write(ref _last, new Snapshot(stats, time.GetUtcNow()));
            }
        }
        catch (Exception)
        {
            // The store failed or did not answer in time: the last counts stay until they are stale; the next
            // collection after the interval tries again. The store's failures are logged by the inbox's own loops.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private sealed record Snapshot(InboxStats Stats, DateTimeOffset At);
}

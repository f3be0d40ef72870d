using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's default store: the whole state in this process's memory, under one lock. Same semantics as a durable
/// store within the process; everything is lost when the process ends.
/// </summary>
internal sealed class InMemoryInboxStore : IDocMapWebhookInboxStore
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Queued records by due time, running records by lease expiry, settled records by settle time; the sequence number
    // keeps keys unique and, for equal times, first-in first-out. Dead letters are also indexed on their own, so that
    // listing them never walks the (far more numerous) completed records under the lock.
    private readonly SortedSet<(DateTimeOffset At, long Seq)> _due = [];
    private readonly SortedSet<(DateTimeOffset At, long Seq)> _leased = [];
    private readonly SortedSet<(DateTimeOffset At, long Seq)> _settled = [];
    private readonly SortedSet<(DateTimeOffset At, long Seq)> _dead = [];
    private readonly Dictionary<long, Entry> _bySeq = [];
    private long _nextSeq;
    private long _deadLettered;

    public InMemoryInboxStore(TimeProvider time, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _time = time;
        _retention = retention;
    }

    public Task<bool> TryAcceptAsync(InboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (Find(message.Id, now) is not null)
            {
                return Task.FromResult(false);
            }

            var entry = new Entry(message, ++_nextSeq) { State = InboxMessageState.Queued, NextAttemptAt = now };
            _entries[message.Id] = entry;
            _bySeq[entry.Seq] = entry;
            _due.Add((now, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Find(id, _time.GetUtcNow()) is not null);
        }
    }

    public Task<IReadOnlyList<InboxLease>> LeaseAsync(string owner, int maxCount, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var leases = new List<InboxLease>();
            while (leases.Count < maxCount && _due.Count > 0 && _due.Min.At <= now)
            {
                var key = _due.Min;
                _due.Remove(key);
                leases.Add(TakeLease(_bySeq[key.Seq], owner, now, leaseDuration));
            }

            while (leases.Count < maxCount && _leased.Count > 0 && _leased.Min.At <= now)
            {
                var key = _leased.Min;
                _leased.Remove(key);
                leases.Add(TakeLease(_bySeq[key.Seq], owner, now, leaseDuration));
            }

            return Task.FromResult<IReadOnlyList<InboxLease>>(leases);
        }
    }

    public Task<bool> RenewAsync(InboxLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (CurrentLease(lease, now) is not { } entry)
            {
                return Task.FromResult(false);
            }

            _leased.Remove((entry.LeaseExpiresAt!.Value, entry.Seq));
            entry.LeaseExpiresAt = now + leaseDuration;
            _leased.Add((entry.LeaseExpiresAt.Value, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<bool> CompleteAsync(InboxLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (Find(lease.Message.Id, now) is not { State: not InboxMessageState.Completed } entry)
            {
                return Task.FromResult(false);
            }

            Unindex(entry);
            entry.State = InboxMessageState.Completed;
            entry.SettledAt = now;
            entry.NextAttemptAt = null;
            entry.LeaseExpiresAt = null;
            entry.Token = null;
            entry.Message = WithoutBody(entry.Message);
            _settled.Add((now, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<bool> RetryAsync(InboxLease lease, DateTimeOffset dueAt, InboxFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (CurrentLease(lease, _time.GetUtcNow()) is not { } entry)
            {
                return Task.FromResult(false);
            }

            Unindex(entry);
            entry.State = InboxMessageState.Queued;
            entry.LeaseExpiresAt = null;
            entry.Token = null;
            entry.NextAttemptAt = dueAt;
            entry.LastFailure = failure;
            _due.Add((dueAt, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<bool> DeadLetterAsync(InboxLease lease, InboxFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (CurrentLease(lease, now) is not { } entry)
            {
                return Task.FromResult(false);
            }

            Unindex(entry);
            entry.State = InboxMessageState.DeadLettered;
            entry.LeaseExpiresAt = null;
            entry.Token = null;
            entry.SettledAt = now;
            entry.LastFailure = failure;
            _settled.Add((now, entry.Seq));
            _dead.Add((now, entry.Seq));
            _deadLettered++;
            return Task.FromResult(true);
        }
    }

    public Task<bool> ReleaseAsync(InboxLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (CurrentLease(lease, now) is not { } entry)
            {
                return Task.FromResult(false);
            }

            Unindex(entry);
            entry.State = InboxMessageState.Queued;
            entry.LeaseExpiresAt = null;
            entry.Token = null;
            entry.Attempts = Math.Max(0, entry.Attempts - 1);
            entry.NextAttemptAt = now;
            _due.Add((now, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Find(id, _time.GetUtcNow())?.ToRecord());
        }
    }

    public Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var list = new List<InboxRecord>();
            foreach (var key in _dead.Reverse())
            {
                if (list.Count >= limit || key.At + _retention <= now)
                {
                    break;
                }

                list.Add(_bySeq[key.Seq].ToRecord());
            }

            return Task.FromResult<IReadOnlyList<InboxRecord>>(list);
        }
    }

    public Task<bool> RequeueAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (Find(id, now) is not { State: InboxMessageState.DeadLettered } entry)
            {
                return Task.FromResult(false);
            }

            Unindex(entry);
            entry.State = InboxMessageState.Queued;
            entry.SettledAt = null;
            entry.Attempts = 0;
            entry.NextAttemptAt = now;
            _due.Add((now, entry.Seq));
            return Task.FromResult(true);
        }
    }

    public Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            PurgeLocked(_time.GetUtcNow());
            return Task.FromResult(new InboxStats { Queued = _due.Count, Running = _leased.Count, DeadLettered = _deadLettered });
        }
    }

    public Task<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(PurgeLocked(_time.GetUtcNow()));
        }
    }

    private long PurgeLocked(DateTimeOffset now)
    {
        long removed = 0;
        while (_settled.Count > 0 && _settled.Min.At + _retention <= now)
        {
            Remove(_bySeq[_settled.Min.Seq]);
            removed++;
        }

        return removed;
    }

    /// <summary>The live record with this id; a settled record past its retention is removed and reads as absent.</summary>
    private Entry? Find(string id, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return null;
        }

        if (entry.SettledAt is { } settled && settled + _retention <= now)
        {
            Remove(entry);
            return null;
        }

        return entry;
    }

    /// <summary>The record, when <paramref name="lease"/> is its current lease.</summary>
    private Entry? CurrentLease(InboxLease lease, DateTimeOffset now) =>
        Find(lease.Message.Id, now) is { State: InboxMessageState.Running } entry && string.Equals(entry.Token, lease.Token, StringComparison.Ordinal)
            ? entry
            : null;

    private InboxLease TakeLease(Entry entry, string owner, DateTimeOffset now, TimeSpan leaseDuration)
    {
        entry.State = InboxMessageState.Running;
        entry.NextAttemptAt = null;
        entry.Attempts++;
        entry.Token = Guid.NewGuid().ToString("N");
        entry.LeaseExpiresAt = now + leaseDuration;
        _leased.Add((entry.LeaseExpiresAt.Value, entry.Seq));
        return new InboxLease
        {
            Message = entry.Message,
            Attempt = entry.Attempts,
            Token = entry.Token,
            Owner = owner,
            ExpiresAt = entry.LeaseExpiresAt.Value,
            PreviousFailure = entry.LastFailure,
        };
    }

    /// <summary>Takes the record out of whichever ordered index its state puts it in.</summary>
    private void Unindex(Entry entry)
    {
        switch (entry.State)
        {
            case InboxMessageState.Queued:
                _due.Remove((entry.NextAttemptAt!.Value, entry.Seq));
                break;
            case InboxMessageState.Running:
                _leased.Remove((entry.LeaseExpiresAt!.Value, entry.Seq));
                break;
            case InboxMessageState.DeadLettered:
                _settled.Remove((entry.SettledAt!.Value, entry.Seq));
                _dead.Remove((entry.SettledAt!.Value, entry.Seq));
                _deadLettered--;
                break;
            case InboxMessageState.Completed:
                _settled.Remove((entry.SettledAt!.Value, entry.Seq));
                break;
        }
    }

    private void Remove(Entry entry)
    {
        Unindex(entry);
        _entries.Remove(entry.Message.Id);
        _bySeq.Remove(entry.Seq);
    }

    private static InboxMessage WithoutBody(InboxMessage message) => new()
    {
        Id = message.Id,
        Kind = message.Kind,
        Endpoint = message.Endpoint,
        EventType = message.EventType,
        ExtractionId = message.ExtractionId,
        Body = ReadOnlyMemory<byte>.Empty,
        AcceptedAt = message.AcceptedAt,
        TraceParent = message.TraceParent,
    };

    private sealed class Entry(InboxMessage message, long seq)
    {
        public InboxMessage Message { get; set; } = message;

        public long Seq { get; } = seq;

        public InboxMessageState State { get; set; }

        public int Attempts { get; set; }

        public DateTimeOffset? NextAttemptAt { get; set; }

        public DateTimeOffset? LeaseExpiresAt { get; set; }

        public DateTimeOffset? SettledAt { get; set; }

        public string? Token { get; set; }

        public InboxFailure? LastFailure { get; set; }

        public InboxRecord ToRecord() => new()
        {
            Message = Message,
            State = State,
            Attempts = Attempts,
            NextAttemptAt = NextAttemptAt,
            LeaseExpiresAt = LeaseExpiresAt,
            SettledAt = SettledAt,
            LastFailure = LastFailure,
        };
    }
}

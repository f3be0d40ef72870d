namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// What this process's inbox did since it started, counted at the accept and attempt seams (a singleton). The store's
/// <see cref="DocMap.Client.Signatures.AspNetCore.Inbox.InboxStats"/> are the shared state; these are this instance's events, for tests and telemetry.
/// </summary>
internal sealed class InboxCounters
{
    private long _accepted;
    private long _duplicates;
    private long _unavailable;
    private long _completed;
    private long _retried;
    private long _deadLettered;
    private long _released;
    private long _leasesLost;
    private long _handlersTimedOut;
    private long _missedDeliveries;

    public long Accepted => Volatile.Read(ref _accepted);

    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Deliveries answered 503 because the store failed or did not answer within AcceptTimeout.</summary>
    public long Unavailable => Volatile.Read(ref _unavailable);

    public long Completed => Volatile.Read(ref _completed);

    public long Retried => Volatile.Read(ref _retried);

    public long DeadLettered => Volatile.Read(ref _deadLettered);

    public long Released => Volatile.Read(ref _released);

    public long LeasesLost => Volatile.Read(ref _leasesLost);

    /// <summary>Handlers that ran past HandlerTimeout (their tokens were cancelled).</summary>
    public long HandlersTimedOut => Volatile.Read(ref _handlersTimedOut);

    /// <summary>Missed deliveries this instance found in DocMap's delivery log and queued.</summary>
    public long MissedDeliveries => Volatile.Read(ref _missedDeliveries);

    public void AddAccepted() => Interlocked.Increment(ref _accepted);

    public void AddDuplicate() => Interlocked.Increment(ref _duplicates);

    public void AddUnavailable() => Interlocked.Increment(ref _unavailable);

    public void AddCompleted() => Interlocked.Increment(ref _completed);

    public void AddRetried() => Interlocked.Increment(ref _retried);

    public void AddDeadLettered() => Interlocked.Increment(ref _deadLettered);

    public void AddReleased() => Interlocked.Increment(ref _released);

    public void AddLeaseLost() => Interlocked.Increment(ref _leasesLost);

    public void AddHandlerTimedOut() => Interlocked.Increment(ref _handlersTimedOut);

    public void AddMissedDelivery() => Interlocked.Increment(ref _missedDeliveries);
}

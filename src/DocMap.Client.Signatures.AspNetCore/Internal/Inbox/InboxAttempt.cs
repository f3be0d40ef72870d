using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// One leased message being processed: its lease, the handler's cancellation token (cancelled when the lease is lost,
/// when the handler runs past its timeout, or when the host stops and the shutdown timeout has passed), and who settles it. Exactly one side settles: the runner
/// once the handler returned, or the worker's shutdown, which hands the lease back while the handler still runs.
/// </summary>
internal sealed class InboxAttempt : IDisposable
{
    private const int Running = 0;
    private const int Settling = 1;
    private const int Released = 2;

    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _abort;
    private int _state;
    private int _leaseLost;
    private int _timedOut;
    private long _leaseExpiresAtTicks;

    public InboxAttempt(InboxLease lease, CancellationToken abort)
    {
        Lease = lease;
        _abort = abort;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(abort);
        _leaseExpiresAtTicks = lease.ExpiresAt.UtcTicks;
    }

    public InboxLease Lease { get; }

    /// <summary>The handler's cancellation token.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Whether the lease was lost (renewal refused, or the lease expired while the store was unreachable).</summary>
    public bool LeaseLost => Volatile.Read(ref _leaseLost) != 0;

    /// <summary>Whether the handler ran past <see cref="DocMapWebhookInboxOptions.HandlerTimeout"/> (its token is then cancelled).</summary>
    public bool TimedOut => Volatile.Read(ref _timedOut) != 0;

    /// <summary>Whether the host's shutdown timeout passed while the handler ran (its token is then cancelled).</summary>
    public bool Aborted => _abort.IsCancellationRequested;

    /// <summary>When the lease expires unless renewed again, as far as this worker knows.</summary>
    public DateTimeOffset LeaseExpiresAt
    {
        get => new(Interlocked.Read(ref _leaseExpiresAtTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _leaseExpiresAtTicks, value.UtcTicks);
    }

    /// <summary>The task that runs the attempt to its end (set when it starts).</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>The lease is lost: cancels the handler's token.</summary>
    public void LoseLease()
    {
        if (Interlocked.Exchange(ref _leaseLost, 1) == 0)
        {
            Cancel();
        }
    }

    /// <summary>The handler ran past its timeout: cancels its token. <see langword="false"/> when it had timed out already.</summary>
    public bool TimeOut()
    {
        if (Interlocked.Exchange(ref _timedOut, 1) != 0)
        {
            return false;
        }

        Cancel();
        return true;
    }

    /// <summary>The runner claims the settlement once the handler has returned; <see langword="false"/> when shutdown already released the lease.</summary>
    public bool TryBeginSettling() => Interlocked.CompareExchange(ref _state, Settling, Running) == Running;

    /// <summary>Shutdown claims the settlement of an attempt whose handler still runs (to release its lease).</summary>
    public bool TryClaimForRelease() => Interlocked.CompareExchange(ref _state, Released, Running) == Running;

    public void Dispose() => _cancellation.Dispose();

    private void Cancel()
    {
        try
        {
            QuietCancellation.Cancel(_cancellation);
        }
        catch (ObjectDisposedException)
        {
            // The attempt already ended.
        }
    }
}

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// An auto-reset signal for one waiter: <see cref="Notify"/> is latched until the next wait returns, so a notification
/// that arrives while nobody waits is not lost. Notifying a signal that is already set costs one volatile read, so the
/// accept path can notify on every delivery.
/// </summary>
internal sealed class InboxSignal
{
    private int _set;
    private TaskCompletionSource? _waiter;

    public void Notify()
    {
        if (Volatile.Read(ref _set) != 0 || Interlocked.Exchange(ref _set, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _waiter)?.TrySetResult();
    }

    /// <summary>Waits until notified (or until a notification latched earlier), <paramref name="timeout"/> passes, or <paramref name="cancellationToken"/> fires.</summary>
    /// <returns><see langword="true"/> when notified.</returns>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        try
        {
            if (Interlocked.Exchange(ref _set, 0) != 0)
            {
                return true;
            }

            using var timeoutCts = new CancellationTokenSource(timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
            using (linked.Token.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), waiter))
            {
                await waiter.Task.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            return Interlocked.Exchange(ref _set, 0) != 0;
        }
        finally
        {
            Interlocked.CompareExchange(ref _waiter, null, waiter);
        }
    }
}

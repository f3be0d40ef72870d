using DocMap.Internal;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Bounded waits on calls into the inbox store, which is the app's code (<see cref="DocMap.Client.Signatures.AspNetCore.Inbox.IDocMapWebhookInboxStore"/>)
/// and may ignore its token. When the bound passes first, the call is abandoned, and its outcome is observed whenever it
/// comes: a store that fails after the inbox gave up on it must not raise <see cref="TaskScheduler.UnobservedTaskException"/>
/// (which many apps log as a crash, or treat as one).
/// </summary>
internal static class InboxStoreCalls
{
    /// <summary>Awaits <paramref name="call"/> until <paramref name="cancellationToken"/> fires; then abandons it and throws <see cref="OperationCanceledException"/>.</summary>
    public static async Task<T> WaitAsync<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!call.IsCompletedSuccessfully)
        {
            AbandonedCall.Observe(call);
            throw;
        }
    }

    /// <summary>Awaits <paramref name="call"/> for <paramref name="timeout"/> on <paramref name="time"/>; then abandons it and throws <see cref="TimeoutException"/>.</summary>
    public static async Task<T> WaitAsync<T>(Task<T> call, TimeSpan timeout, TimeProvider time)
    {
        try
        {
            return await call.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!call.IsCompletedSuccessfully)
        {
            AbandonedCall.Observe(call);
            throw;
        }
    }
}

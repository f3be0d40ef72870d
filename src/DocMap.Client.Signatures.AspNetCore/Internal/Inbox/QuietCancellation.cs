namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Cancels a token source whose token the app's code holds (a handler's, or the worker's that handlers' tokens link
/// to). A callback that code, or a library it calls, registered on the token and that throws makes the cancel throw an
/// <see cref="AggregateException"/> after every callback has run: the token is cancelled regardless, and the inbox
/// carries on. Thrown on, it would end the process from a timer callback (HandlerTimeout), leave an attempt unsettled
/// (lease renewal), or fail a stop before its leases are handed back.
/// </summary>
internal static class QuietCancellation
{
    public static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
            // See the class: the token is cancelled.
        }
    }

    public static async Task CancelAsync(CancellationTokenSource source)
    {
        try
        {
            await source.CancelAsync().ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // See the class: the token is cancelled.
        }
    }
}

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// When a failed attempt is retried: exponential backoff from <see cref="DocMapWebhookInboxOptions.RetryBaseDelay"/>
/// (doubling per failed attempt) capped at <see cref="DocMapWebhookInboxOptions.MaxRetryDelay"/>, with "equal jitter":
/// the delay is drawn uniformly between half of that and all of it.
/// </summary>
internal static class InboxRetryPolicy
{
    /// <summary>The delay ceiling after <paramref name="failedAttempt"/> (1 for the first attempt) failed.</summary>
    public static TimeSpan Ceiling(int failedAttempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponent = Math.Clamp(failedAttempt - 1, 0, 30);
        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay before the next attempt, jittered into [ceiling / 2, ceiling].</summary>
    public static TimeSpan Delay(int failedAttempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var ceiling = Ceiling(failedAttempt, baseDelay, maxDelay);
        return TimeSpan.FromTicks((ceiling.Ticks / 2) + (long)(ceiling.Ticks / 2 * Math.Clamp(random, 0, 1)));
    }
}

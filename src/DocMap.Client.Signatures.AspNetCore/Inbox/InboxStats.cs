namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>How many messages are in each live state of the inbox.</summary>
public sealed class InboxStats
{
    /// <summary>Waiting for a worker, including those waiting for a retry.</summary>
    public long Queued { get; init; }

    /// <summary>Leased to a worker (including expired leases not yet taken over).</summary>
    public long Running { get; init; }

    /// <summary>Given up on and kept for inspection or re-queueing.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Describes the counts.</summary>
    /// <returns>For example <c>InboxStats { Queued = 3, Running = 1, DeadLettered = 0 }</c>.</returns>
    public override string ToString() => $"InboxStats {{ Queued = {Queued}, Running = {Running}, DeadLettered = {DeadLettered} }}";
}

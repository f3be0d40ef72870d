namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>A message and where it stands in the inbox, as read from the store.</summary>
public sealed class InboxRecord
{
    /// <summary>The message. For a <see cref="InboxMessageState.Completed"/> record the store may have dropped the body (then empty).</summary>
    public required InboxMessage Message { get; init; }

    /// <summary>The record's state.</summary>
    public required InboxMessageState State { get; init; }

    /// <summary>How many attempts were started (leases taken), not counting attempts handed back at shutdown.</summary>
    public required int Attempts { get; init; }

    /// <summary>When a queued record is due; <see langword="null"/> in other states.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>When a running record's lease expires; <see langword="null"/> in other states.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>When the record was completed or dead-lettered; <see langword="null"/> in other states.</summary>
    public DateTimeOffset? SettledAt { get; init; }

    /// <summary>The failure of the last attempt that failed, if any.</summary>
    public InboxFailure? LastFailure { get; init; }
}

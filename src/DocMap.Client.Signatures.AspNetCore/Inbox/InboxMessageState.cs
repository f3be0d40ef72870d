namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>Where a message is in the inbox.</summary>
public enum InboxMessageState
{
    /// <summary>Waiting for a worker: new, or waiting for its next attempt after a failure.</summary>
    Queued = 0,

    /// <summary>Leased to a worker, whose handler is running (or whose lease has expired and not yet been taken over).</summary>
    Running = 1,

    /// <summary>Handled; kept for the retention period to recognize duplicates.</summary>
    Completed = 2,

    /// <summary>Given up on after the last allowed attempt; kept for the retention period, can be re-queued.</summary>
    DeadLettered = 3,
}

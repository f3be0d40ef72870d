namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>A message leased to one worker for one attempt.</summary>
public sealed class InboxLease
{
    /// <summary>The leased message.</summary>
    public required InboxMessage Message { get; init; }

    /// <summary>Which attempt this lease is for: 1 for the first.</summary>
    public required int Attempt { get; init; }

    /// <summary>The lease's unique token: settling or renewing checks it, so a worker that lost its lease cannot overwrite the new holder's work.</summary>
    public required string Token { get; init; }

    /// <summary>Who holds the lease.</summary>
    public required string Owner { get; init; }

    /// <summary>When the lease expires unless renewed.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The failure of the previous attempt, if there was one.</summary>
    public InboxFailure? PreviousFailure { get; init; }
}

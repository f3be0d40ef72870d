namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>Why an attempt failed: the exception's type and message (never the body).</summary>
public sealed class InboxFailure
{
    /// <summary>The exception's full type name, for example <c>System.TimeoutException</c>.</summary>
    public required string ExceptionType { get; init; }

    /// <summary>The exception's message, with control characters escaped and at most 2,000 characters.</summary>
    public required string Message { get; init; }

    /// <summary>When the attempt failed.</summary>
    public required DateTimeOffset FailedAt { get; init; }
}

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>How reading a webhook body ended.</summary>
internal enum BodyReadOutcome
{
    /// <summary>The whole body is in the buffer.</summary>
    Complete,

    /// <summary>The decoded body grew past the limit; nothing is kept.</summary>
    TooLarge,

    /// <summary>The body did not arrive within the read deadline; nothing is kept.</summary>
    TimedOut,
}

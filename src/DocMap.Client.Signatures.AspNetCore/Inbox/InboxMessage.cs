using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>
/// What the inbox records when it accepts a delivery: the verified body and what the worker needs to run the right
/// handler later. Immutable.
/// </summary>
public sealed class InboxMessage
{
    /// <summary>
    /// The message id, which is its dedupe key: derived only from signed content (the event type and extraction id when
    /// both are present, else the SHA-256 of the body), never from an unsigned header. 1 to 200 printable ASCII
    /// characters (stores may rely on it for their keys).
    /// </summary>
    /// <exception cref="ArgumentException">The id is empty, longer than 200 characters or not printable ASCII.</exception>
    public required string Id
    {
        get;
        init
        {
            InboxIds.ThrowIfInvalid(value, nameof(Id));
            field = value;
        }
    }

    /// <summary>Whether this is a delivery DocMap made, or a missed delivery found in DocMap's delivery log.</summary>
    public InboxMessageKind Kind { get; init; }

    /// <summary>The mapped endpoint whose handler processes the message (its route pattern, for example <c>/webhooks/docmap</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary>The event type's wire value, for example <c>extraction.completed</c> (empty when the body names none).</summary>
    public required string EventType { get; init; }

    /// <summary>The extraction id, when the body has one.</summary>
    public string? ExtractionId { get; init; }

    /// <summary>
    /// The verified request body, byte for byte (for <see cref="InboxMessageKind.MissedDelivery"/>, the delivery-log
    /// record as JSON). Signed content: never logged.
    /// </summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>When the inbox accepted the message.</summary>
    public required DateTimeOffset AcceptedAt { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the request that accepted the message, so processing can be linked to it in a trace;
    /// <see langword="null"/> when none was active.
    /// </summary>
    public string? TraceParent { get; init; }
}

using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's log messages, category <see cref="Category"/>, stable event ids 4011–4026. Never a body, a secret or a
/// signature: message ids (hashes), event types and extraction ids (escaped, they come from the body), exception types
/// and escaped messages.
/// </summary>
internal static partial class InboxLog
{
    public const string Category = "DocMap.Client.Signatures.AspNetCore.Inbox";

    [LoggerMessage(EventId = 4011, EventName = "InboxAccepted", Level = LogLevel.Debug,
        Message = "Accepted DocMap webhook {EventType} for extraction {ExtractionId} into the inbox as {MessageId} (endpoint {Endpoint})")]
    public static partial void Accepted(ILogger logger, string eventType, string? extractionId, string messageId, string endpoint);

    [LoggerMessage(EventId = 4012, EventName = "InboxDuplicate", Level = LogLevel.Debug,
        Message = "Duplicate DocMap webhook {EventType} for extraction {ExtractionId}: {MessageId} is already in the inbox; answered 200 without queueing it again")]
    public static partial void Duplicate(ILogger logger, string eventType, string? extractionId, string messageId);

    [LoggerMessage(EventId = 4013, EventName = "InboxStoreUnavailable", Level = LogLevel.Warning,
        Message = "The inbox store did not record DocMap webhook {EventType} for extraction {ExtractionId} ({MessageId}): {Problem}; answered 503 (DocMap logs the delivery as failed)")]
    public static partial void StoreUnavailable(ILogger logger, string eventType, string? extractionId, string messageId, string problem);

    [LoggerMessage(EventId = 4014, EventName = "InboxAttemptFailed", Level = LogLevel.Warning,
        Message = "Attempt {Attempt} of {MaxAttempts} of inbox message {MessageId} ({Kind} {EventType} for extraction {ExtractionId}) failed with {ExceptionType}: {ExceptionMessage}; next attempt at {RetryAt:O}")]
    public static partial void AttemptFailed(ILogger logger, Exception? exception, int attempt, int maxAttempts, string messageId, string kind, string eventType, string? extractionId, string exceptionType, string exceptionMessage, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 4015, EventName = "InboxDeadLettered", Level = LogLevel.Error,
        Message = "Inbox message {MessageId} ({Kind} {EventType} for extraction {ExtractionId}) dead-lettered after {Attempts} attempt(s): {ExceptionType}: {ExceptionMessage}")]
    public static partial void DeadLettered(ILogger logger, Exception? exception, string messageId, string kind, string eventType, string? extractionId, int attempts, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = 4016, EventName = "InboxLeaseLost", Level = LogLevel.Warning,
        Message = "The lease of inbox message {MessageId} (attempt {Attempt}) was lost: {Reason}; its handler's cancellation token is cancelled and the attempt's outcome is not recorded (except a completion)")]
    public static partial void LeaseLost(ILogger logger, string messageId, int attempt, string reason);

    [LoggerMessage(EventId = 4017, EventName = "InboxStoreError", Level = LogLevel.Warning,
        Message = "The inbox store failed in {Operation} with {ExceptionType}: {Problem} ({Suppressed} more failure(s) since the last message); the inbox keeps retrying")]
    public static partial void StoreError(ILogger logger, string operation, string exceptionType, string problem, long suppressed);

    [LoggerMessage(EventId = 4018, EventName = "InboxStoreRecovered", Level = LogLevel.Information,
        Message = "The inbox store answers again ({Operation}) after {Failures} failed call(s)")]
    public static partial void StoreRecovered(ILogger logger, string operation, long failures);

    [LoggerMessage(EventId = 4019, EventName = "InboxLeasesReleased", Level = LogLevel.Information,
        Message = "Stopping: {Count} handler(s) did not finish within the shutdown timeout; their cancellation tokens were cancelled and {Released} lease(s) handed back to the queue without counting the attempt")]
    public static partial void LeasesReleased(ILogger logger, int count, int released);

    [LoggerMessage(EventId = 4020, EventName = "InboxMissedDelivery", Level = LogLevel.Warning,
        Message = "Missed DocMap delivery {DeliveryId}: {EventType} for extraction {ExtractionId} failed at {CreatedAt:O} (HTTP {HttpStatus}) and never reached the inbox; queued as {MessageId} for the endpoint {Endpoint}")]
    public static partial void MissedDelivery(ILogger logger, string deliveryId, string eventType, string extractionId, DateTimeOffset createdAt, string httpStatus, string messageId, string endpoint);

    [LoggerMessage(EventId = 4021, EventName = "InboxReconciliationPageFull", Level = LogLevel.Warning,
        Message = "All {Count} deliveries DocMap's delivery log returned (from {Oldest:O} to {Newest:O}) are newer than the previous read (newest then {Previous:O}): deliveries in between may have been missed. Set DocMap:Webhooks:Inbox:Reconciliation:Interval shorter than {Interval} (for example {Suggested})")]
    public static partial void PageFull(ILogger logger, int count, DateTimeOffset oldest, DateTimeOffset newest, DateTimeOffset previous, TimeSpan interval, TimeSpan suggested);

    [LoggerMessage(EventId = 4022, EventName = "InboxReconciliationFailed", Level = LogLevel.Warning,
        Message = "Reconciliation could not read or process DocMap's delivery log: {ExceptionType}: {Problem}; next try in {Interval}")]
    public static partial void ReconciliationFailed(ILogger logger, string exceptionType, string problem, TimeSpan interval);

    [LoggerMessage(EventId = 4023, EventName = "InboxMissedDeliveryUnmatched", Level = LogLevel.Debug,
        Message = "The failed DocMap delivery {DeliveryId} (to path {UrlPath}) matches none of this app's inbox endpoints; not reconciled here (set DocMap:Webhooks:Inbox:Reconciliation:WebhookId to read only this app's webhook)")]
    public static partial void MissedDeliveryUnmatched(ILogger logger, string deliveryId, string urlPath);

    [LoggerMessage(EventId = 4024, EventName = "InboxPurged", Level = LogLevel.Debug,
        Message = "Removed {Count} inbox record(s) past their retention")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(EventId = 4025, EventName = "InboxHandled", Level = LogLevel.Debug,
        Message = "Handled inbox message {MessageId} ({Kind} {EventType} for extraction {ExtractionId}) on attempt {Attempt} in {ElapsedMs} ms")]
    public static partial void Handled(ILogger logger, string messageId, string kind, string eventType, string? extractionId, int attempt, long elapsedMs);

    [LoggerMessage(EventId = 4026, EventName = "InboxEndpointsUnavailable", Level = LogLevel.Error,
        Message = "The inbox could not build the app's endpoints to find its handlers: {ExceptionType}: {Problem}")]
    public static partial void EndpointsUnavailable(ILogger logger, string exceptionType, string problem);

    [LoggerMessage(EventId = 4027, EventName = "InboxHandlerTimedOut", Level = LogLevel.Warning,
        Message = "The handler of inbox message {MessageId} ({Kind} {EventType} for extraction {ExtractionId}, attempt {Attempt}) did not finish within HandlerTimeout ({Timeout}): its cancellation token is cancelled; the attempt fails as a timeout if the handler then ends with an exception (a handler that ignores its token keeps its lease and its slot until it returns)")]
    public static partial void HandlerTimedOut(ILogger logger, string messageId, string kind, string eventType, string? extractionId, int attempt, string timeout);
}

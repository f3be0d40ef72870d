using DocMap.Client;
using DocMap.Client.Signatures;

namespace DocMapReceiver;

/// <summary>What the app does with an extraction event: replace <see cref="LoggingExtractionProcessor"/> with your work.</summary>
public interface IExtractionProcessor
{
    /// <summary>An extraction completed.</summary>
    Task CompletedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken);

    /// <summary>An extraction failed.</summary>
    Task FailedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken);

    /// <summary>DocMap could not deliver an event (found in its delivery log by reconciliation).</summary>
    Task MissedAsync(string extractionId, WebhookEventType eventType, CancellationToken cancellationToken);
}

/// <summary>Logs each event. Values from a delivery are escaped before they are logged, so they cannot forge log lines.</summary>
public sealed partial class LoggingExtractionProcessor(ILogger<LoggingExtractionProcessor> logger) : IExtractionProcessor
{
    /// <inheritdoc />
    public Task CompletedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken)
    {
        LogCompleted(WebhookLogValue.Escape(extractionId) ?? "(none)", WebhookLogValue.Escape(extraction?.Status));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task FailedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken)
    {
        LogFailed(WebhookLogValue.Escape(extractionId) ?? "(none)", WebhookLogValue.Escape(extraction?.Status));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task MissedAsync(string extractionId, WebhookEventType eventType, CancellationToken cancellationToken)
    {
        LogMissed(WebhookLogValue.Escape(eventType.ToString())!, WebhookLogValue.Escape(extractionId)!);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Extraction {ExtractionId} completed (status {Status})")]
    private partial void LogCompleted(string extractionId, string? status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Extraction {ExtractionId} failed (status {Status})")]
    private partial void LogFailed(string extractionId, string? status);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "DocMap could not deliver {EventType} for extraction {ExtractionId}; reconciliation found it")]
    private partial void LogMissed(string eventType, string extractionId);
}

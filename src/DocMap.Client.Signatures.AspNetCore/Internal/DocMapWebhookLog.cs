using System.Net;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Every log message of the package, with stable event ids (4001–4010). No message ever carries a secret, a
/// signature or a body: only reasons, sizes, addresses, event types, extraction ids and key fingerprints. Values that
/// came from a body (event type, extraction id) pass through <see cref="WebhookLogValue.Escape(string?)"/> first, so a
/// signed body cannot forge or disguise log lines.
/// </summary>
internal static partial class DocMapWebhookLog
{
    public static void Verified(ILogger logger, WebhookEvent webhookEvent, int bodyLength, string keyFingerprint)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Verified(logger, EventType(webhookEvent), WebhookLogValue.Escape(webhookEvent.ExtractionId), bodyLength, keyFingerprint);
        }
    }

    public static void HandlerFailed(ILogger logger, Exception exception, WebhookEvent webhookEvent)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            HandlerFailed(logger, exception, EventType(webhookEvent), WebhookLogValue.Escape(webhookEvent.ExtractionId));
        }
    }

    [LoggerMessage(EventId = 4001, EventName = "WebhookVerified", Level = LogLevel.Debug,
        Message = "Verified DocMap webhook {EventType} for extraction {ExtractionId} ({BodyLength} bytes, key {KeyFingerprint})")]
    private static partial void Verified(ILogger logger, string eventType, string? extractionId, int bodyLength, string keyFingerprint);

    [LoggerMessage(EventId = 4002, EventName = "WebhookSignatureRejected", Level = LogLevel.Warning,
        Message = "Rejected DocMap webhook from {RemoteAddress} with 401: {Reason} (Content-Length {ContentLength}, {BodyLength} bytes read, configured keys {KeyFingerprints})")]
    public static partial void SignatureRejected(ILogger logger, IPAddress? remoteAddress, WebhookSignatureFailureReason reason, long? contentLength, int bodyLength, string keyFingerprints);

    [LoggerMessage(EventId = 4003, EventName = "WebhookBodyTooLarge", Level = LogLevel.Warning,
        Message = "Rejected DocMap webhook from {RemoteAddress} with 413: the body exceeds the limit of {MaxBodyBytes} bytes (Content-Length {ContentLength}, configured keys {KeyFingerprints})")]
    public static partial void BodyTooLarge(ILogger logger, IPAddress? remoteAddress, long maxBodyBytes, long? contentLength, string keyFingerprints);

    /// <summary>
    /// Event 4004. <paramref name="problem"/> is what the parser said (a sentence such as <c>The webhook body must be a
    /// JSON object, not an array.</c>); it is logged as the clause that ends "the signature verified but …", so the
    /// line reads as one sentence.
    /// </summary>
    public static void PayloadInvalid(ILogger logger, IPAddress? remoteAddress, string problem, long? contentLength, int bodyLength, string keyFingerprint)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            PayloadInvalidCore(logger, remoteAddress, AsClause(problem), contentLength, bodyLength, keyFingerprint);
        }
    }

    /// <summary>
    /// A sentence as a clause to follow "but": without its final period, and its first letter in lower case unless the
    /// first word is an acronym such as <c>JSON</c> or <c>UTF-8</c>.
    /// </summary>
    internal static string AsClause(string sentence)
    {
        var text = sentence.Trim();
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        var firstWord = text.Split(' ', 2)[0];
        var isAcronym = firstWord.Count(char.IsLetter) >= 2 && !firstWord.Any(char.IsLower);
        return text.Length > 0 && char.IsUpper(text[0]) && !isAcronym
            ? char.ToLowerInvariant(text[0]) + text[1..]
            : text;
    }

    [LoggerMessage(EventId = 4004, EventName = "WebhookPayloadInvalid", Level = LogLevel.Warning,
        Message = "Rejected DocMap webhook from {RemoteAddress} with 400: the signature verified but {Problem} (Content-Length {ContentLength}, {BodyLength} bytes, key {KeyFingerprint})")]
    private static partial void PayloadInvalidCore(ILogger logger, IPAddress? remoteAddress, string problem, long? contentLength, int bodyLength, string keyFingerprint);

    [LoggerMessage(EventId = 4005, EventName = "WebhookHandlerFailed", Level = LogLevel.Error,
        Message = "The DocMap webhook handler threw for {EventType} of extraction {ExtractionId}; answered 500 (DocMap records the failed delivery)")]
    private static partial void HandlerFailed(ILogger logger, Exception exception, string eventType, string? extractionId);

    [LoggerMessage(EventId = 4006, EventName = "WebhookBodyUnreadable", Level = LogLevel.Warning,
        Message = "Could not read the DocMap webhook body from {RemoteAddress}: {Problem} (Content-Length {ContentLength})")]
    public static partial void BodyUnreadable(ILogger logger, IPAddress? remoteAddress, string problem, long? contentLength);

    [LoggerMessage(EventId = 4007, EventName = "WebhookSettingsReloaded", Level = LogLevel.Information,
        Message = "DocMap webhook settings reloaded: {SecretCount} secret(s), keys {KeyFingerprints}")]
    public static partial void SettingsReloaded(ILogger logger, int secretCount, string keyFingerprints);

    [LoggerMessage(EventId = 4008, EventName = "WebhookSettingsReloadRejected", Level = LogLevel.Error,
        Message = "DocMap webhook settings reload rejected, the previous keys {KeyFingerprints} stay in force: {Problem}")]
    public static partial void ReloadRejected(ILogger logger, string problem, string keyFingerprints);

    [LoggerMessage(EventId = 4009, EventName = "WebhookClientDisconnected", Level = LogLevel.Debug,
        Message = "The DocMap webhook request from {RemoteAddress} was aborted by the client")]
    public static partial void ClientDisconnected(ILogger logger, IPAddress? remoteAddress);

    /// <summary>Event 4010; the timeout is written as people read it (<c>10 seconds</c>, <c>1 second</c>, <c>500 milliseconds</c>).</summary>
    public static void BodyReadTimedOut(ILogger logger, IPAddress? remoteAddress, TimeSpan bodyReadTimeout, long bytesRead, long? contentLength, string keyFingerprints)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            BodyReadTimedOutCore(logger, remoteAddress, DocMap.Internal.DurationText.Describe(bodyReadTimeout), bytesRead, contentLength, keyFingerprints);
        }
    }

    [LoggerMessage(EventId = 4010, EventName = "WebhookBodyReadTimedOut", Level = LogLevel.Warning,
        Message = "Rejected DocMap webhook from {RemoteAddress} with 408 and closed the connection: the body did not arrive within {BodyReadTimeout} ({BytesRead} bytes read, Content-Length {ContentLength}, configured keys {KeyFingerprints})")]
    private static partial void BodyReadTimedOutCore(ILogger logger, IPAddress? remoteAddress, string bodyReadTimeout, long bytesRead, long? contentLength, string keyFingerprints);

    private static string EventType(WebhookEvent webhookEvent) => WebhookLogValue.Escape(webhookEvent.Type.ToString())!;
}

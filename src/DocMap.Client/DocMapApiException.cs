using System.Net;

namespace DocMap.Client;

/// <summary>
/// DocMap answered with a non-2xx status (a redirect included, which the client never follows), or with a 2xx body
/// that is not the documented JSON, cannot be decompressed, or is larger than <see cref="DocMapClientOptions.MaxResponseBytes"/>. Branch on
/// <see cref="ErrorCode"/> (see <see cref="DocMapErrorCodes"/>) or <see cref="StatusCode"/>; the message is for people.
/// The message never contains the API key. When the answer carried <c>Retry-After</c>, the message ends with when to
/// retry (<c>Retry after 120 seconds (at 2026-12-01T10:32:00Z).</c>) and <see cref="RetryAfter"/> holds the wait.
/// </summary>
public sealed class DocMapApiException : Exception
{
    /// <summary>Creates an exception describing a failed DocMap call.</summary>
    /// <param name="statusCode">The HTTP status DocMap answered with.</param>
    /// <param name="errorCode">DocMap's error code, such as <see cref="DocMapErrorCodes.NotFound"/>, or <see langword="null"/> when the body carried none.</param>
    /// <param name="serverMessage">DocMap's error message, or <see langword="null"/>.</param>
    /// <param name="requestMethod">The request's HTTP method, such as <c>POST</c>.</param>
    /// <param name="requestPath">The request's path, such as <c>/v1/webhooks</c>.</param>
    /// <param name="retryAfter">How long the server asked the client to wait, from <c>Retry-After</c>, or <see langword="null"/>.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public DocMapApiException(
        HttpStatusCode statusCode,
        string? errorCode,
        string? serverMessage,
        string requestMethod,
        string requestPath,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : this(Internal.DocMapMessages.WithRetryAfter(Internal.DocMapMessages.Failed(new Internal.DocMapCall(requestMethod ?? string.Empty, requestPath ?? string.Empty), statusCode, errorCode, serverMessage), retryAfter, null), statusCode, errorCode, serverMessage, requestMethod ?? string.Empty, requestPath ?? string.Empty, retryAfter, innerException)
    {
    }

    internal DocMapApiException(
        string message,
        HttpStatusCode statusCode,
        string? errorCode,
        string? serverMessage,
        string requestMethod,
        string requestPath,
        TimeSpan? retryAfter,
        Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ServerMessage = serverMessage;
        RequestMethod = requestMethod ?? string.Empty;
        RequestPath = requestPath ?? string.Empty;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status DocMap answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>DocMap's stable error code (see <see cref="DocMapErrorCodes"/>), or <see langword="null"/> when the body carried none (for example an HTML page from a proxy).</summary>
    public string? ErrorCode { get; }

    /// <summary>DocMap's error message as sent (not stable; for people, not for branching), or <see langword="null"/>.</summary>
    public string? ServerMessage { get; }

    /// <summary>The request's HTTP method, such as <c>DELETE</c>.</summary>
    public string RequestMethod { get; }

    /// <summary>The request's path, such as <c>/v1/webhooks/wh_123</c> (no query string, no host).</summary>
    public string RequestPath { get; }

    /// <summary>How long the server asked the client to wait before trying again (<c>Retry-After</c>), or <see langword="null"/>.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Whether retrying the same call later may succeed: 408, 429 and 500–599 except 501 (the statuses the built-in
    /// retry policy retries).
    /// </summary>
    public bool IsTransient => Internal.DocMapResilience.IsRetryableStatus(StatusCode);
}

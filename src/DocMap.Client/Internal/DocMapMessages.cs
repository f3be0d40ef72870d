using System.Globalization;
using System.Net;

namespace DocMap.Client.Internal;

/// <summary>
/// Every message the client puts in an exception, in one place: each starts with <c>DocMap API {method} {path}</c>.
/// Callers pass server-derived text already masked by <see cref="ApiKeyRedactor"/>.
/// </summary>
internal static class DocMapMessages
{
    /// <summary>DocMap's own error: <c>… failed with 404 (NotFound) NOT_FOUND: Webhook not found</c>.</summary>
    public static string Failed(DocMapCall call, HttpStatusCode status, string? errorCode, string? serverMessage)
    {
        var text = $"{Prefix(call)} failed with {Status(status)}";
        if (errorCode is not null)
        {
            text += $" {errorCode}";
        }

        return string.IsNullOrEmpty(serverMessage) ? text + "." : $"{text}: {serverMessage}";
    }

    /// <summary>A non-2xx answer whose body is not DocMap's error JSON.</summary>
    public static string FailedWithoutDocMapError(DocMapCall call, HttpStatusCode status, string? contentType, long size) =>
        size == 0
            ? $"{Prefix(call)} failed with {Status(status)}: the response had no body."
            : Invariant($"{Prefix(call)} failed with {Status(status)}: the response body is not DocMap's JSON error (Content-Type {contentType ?? "none"}, {size} bytes); a proxy or gateway may have answered instead of DocMap.");

    /// <summary>A non-2xx answer whose body was longer than the client reads of an error body.</summary>
    public static string ErrorBodyTooLarge(DocMapCall call, HttpStatusCode status, int limit) =>
        Invariant($"{Prefix(call)} failed with {Status(status)}: its error body is larger than the {limit} bytes the client reads of an error body, so it was not read (DocMap's errors are small JSON; a proxy or gateway may have answered instead).");

    /// <summary>A non-2xx answer whose compressed body the decompressor refused.</summary>
    public static string ErrorBodyNotDecompressed(DocMapCall call, HttpStatusCode status) =>
        $"{Prefix(call)} failed with {Status(status)}: its error body could not be decompressed (corrupt gzip, deflate or brotli data), so it was not read (a proxy or gateway may have answered instead of DocMap).";

    /// <summary>A 2xx answer whose compressed body the decompressor refused.</summary>
    public static string BodyNotDecompressed(DocMapCall call, HttpStatusCode status) =>
        $"{Prefix(call)} answered {Status(status)} but its body could not be decompressed (corrupt gzip, deflate or brotli data); the inner exception has the decompressor's reason.";

    /// <summary>A 2xx body larger than <see cref="DocMapClientOptions.MaxResponseBytes"/>.</summary>
    public static string ResponseTooLarge(DocMapCall call, HttpStatusCode status, int limit) =>
        Invariant($"{Prefix(call)} answered {Status(status)} with a body larger than DocMapClientOptions.MaxResponseBytes ({limit} bytes, counted after decompression); it was not read further. Raise MaxResponseBytes if DocMap's answers really are this large.");

    /// <summary>A 3xx answer, which the client does not follow.</summary>
    public static string Redirect(DocMapCall call, HttpStatusCode status, string? locationOrigin) =>
        locationOrigin is null
            ? $"{Prefix(call)} answered {Status(status)}, a redirect with no Location header. The client follows no redirects (DocMap's API does not redirect); check DocMapClientOptions.BaseAddress."
            : $"{Prefix(call)} answered {Status(status)}, a redirect to {locationOrigin}, which the client does not follow (DocMap's API does not redirect); check DocMapClientOptions.BaseAddress.";

    /// <summary>The primary handler followed a redirect by itself (it could not be reconfigured).</summary>
    public static string RedirectFollowed(DocMapCall call, string origin) =>
        $"{Prefix(call)} was redirected to {origin} by the HTTP message handler, and the client does not accept answers from a redirect (DocMap's API does not redirect). Set AllowAutoRedirect = false on the primary handler.";

    /// <summary>A 2xx with an empty body where <c>{"data": ...}</c> was due.</summary>
    public static string EmptySuccessBody(DocMapCall call, HttpStatusCode status) =>
        $"{Prefix(call)} answered {Status(status)} with an empty body instead of the documented {{\"data\": ...}}.";

    /// <summary>A 2xx whose JSON is <c>null</c> or <c>{"data": null}</c>.</summary>
    public static string NullData(DocMapCall call, bool wholeBodyIsNull) =>
        $"{Prefix(call)} answered with {(wholeBodyIsNull ? "a JSON null body" : "\"data\": null")} instead of the documented {{\"data\": ...}}.";

    /// <summary>A 2xx whose <c>data</c> list holds a <c>null</c> where an object was due.</summary>
    public static string NullElement(DocMapCall call, int index) =>
        Invariant($"{Prefix(call)} answered with a list whose element \"data\"[{index}] is null instead of an object, which is not the documented JSON.");

    /// <summary>A 2xx whose body is not the documented JSON; <paramref name="detail"/> is the (masked) parser message.</summary>
    public static string NotDocumentedJson(DocMapCall call, HttpStatusCode status, string? detail) =>
        $"{Prefix(call)} answered {Status(status)} but its body is not the documented JSON: {detail}";

    /// <summary><see cref="DocMapClientOptions.Timeout"/> elapsed.</summary>
    public static string CallTimedOut(DocMapCall call, TimeSpan timeout, DocMapAttemptProgress? progress) =>
        $"{Prefix(call)} did not complete within {Describe(timeout)} (DocMapClientOptions.Timeout); {DescribeProgress(progress)}.";

    /// <summary>One attempt exceeded <see cref="DocMapClientOptions.AttemptTimeout"/>.</summary>
    public static string AttemptTimedOut(DocMapCall call, TimeSpan attemptTimeout, DocMapAttemptProgress? progress) =>
        progress is { Phase: DocMapAttemptPhase.ReadingBody } reading
            ? Invariant($"{Prefix(call)}: the response headers ({reading.StatusCode}) arrived but the body did not finish arriving within {Describe(attemptTimeout)} (DocMapClientOptions.AttemptTimeout).")
            : $"{Prefix(call)} got no response within {Describe(attemptTimeout)} (DocMapClientOptions.AttemptTimeout).";

    /// <summary>A duration as people read it: <c>1 second</c>, <c>1.5 seconds</c>, <c>300 milliseconds</c>.</summary>
    public static string Describe(TimeSpan duration) => DocMap.Internal.DurationText.Describe(duration);

    /// <summary>
    /// <paramref name="message"/> followed by when the server said to retry (its <c>Retry-After</c>), or the message
    /// unchanged when it sent none: <c>… Retry after 120 seconds (at 2026-12-01T10:32:00Z).</c> The wait is in whole
    /// seconds, rounded up (the header's unit); <paramref name="retryAt"/> is the moment it ends, when known.
    /// </summary>
    public static string WithRetryAfter(string message, TimeSpan? retryAfter, DateTimeOffset? retryAt)
    {
        if (retryAfter is not { } wait)
        {
            return message;
        }

        var text = message.Length > 0 && message[^1] is '.' or '!' or '?' ? message : message + ".";
        var seconds = TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, wait.TotalSeconds)));
        text += $" Retry after {Describe(seconds)}";
        if (retryAt is { } at)
        {
            text += Invariant($" (at {at.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'})");
        }

        return text + ".";
    }

    /// <summary>
    /// The wait a response's <c>Retry-After</c> asks for and the moment it ends: for delta seconds, <paramref name="now"/>
    /// plus the delta (rounded up to a whole second); for an HTTP date, that date. <see langword="null"/> without the header.
    /// </summary>
    public static (TimeSpan Wait, DateTimeOffset At)? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (DocMapResilience.GetRetryAfter(response, now) is not { } wait)
        {
            return null;
        }

        if (response.Headers.RetryAfter?.Date is { } date)
        {
            return (wait, date);
        }

        var end = (now + wait).UtcTicks;
        return (wait, new DateTimeOffset((end + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero));
    }

    private static string DescribeProgress(DocMapAttemptProgress? progress) => progress?.Phase switch
    {
        DocMapAttemptPhase.ReadingBody => Invariant($"the last attempt's response headers ({progress.StatusCode}) arrived, but not its whole body"),
        DocMapAttemptPhase.Done => "it was waiting to retry after a failed attempt",
        _ => "the last attempt got no response",
    };

    private static string Prefix(DocMapCall call) => $"DocMap API {call.Method} {call.Path}";

    private static string Status(HttpStatusCode status) => Invariant($"{(int)status} ({status})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

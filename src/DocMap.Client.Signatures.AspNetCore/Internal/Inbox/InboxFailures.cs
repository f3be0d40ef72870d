using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>Builds the <see cref="InboxFailure"/> kept with a record: the exception's type and message, escaped and cut to 2,000 characters.</summary>
internal static class InboxFailures
{
    public const int MaxMessageLength = 2000;

    public static InboxFailure From(Exception exception, DateTimeOffset failedAt) => new()
    {
        ExceptionType = exception.GetType().FullName ?? exception.GetType().Name,
        Message = Describe(exception.Message),
        FailedAt = failedAt,
    };

    /// <summary>
    /// A failure the inbox itself decided and words itself: recorded as <paramref name="exceptionType"/> (an
    /// <see cref="InvalidOperationException"/> unless said otherwise).
    /// </summary>
    public static InboxFailure Decided(string message, DateTimeOffset failedAt, string? exceptionType = null) => new()
    {
        ExceptionType = exceptionType ?? typeof(InvalidOperationException).FullName!,
        Message = Describe(message),
        FailedAt = failedAt,
    };

    /// <summary>Control characters escaped (so the text is safe in logs and dashboards), then cut to <see cref="MaxMessageLength"/>.</summary>
    public static string Describe(string? message)
    {
        var escaped = WebhookLogValue.Escape(message ?? string.Empty)!;
        if (escaped.Length <= MaxMessageLength)
        {
            return escaped;
        }

        const string Ellipsis = "…";
        var cut = MaxMessageLength - Ellipsis.Length;
        if (char.IsHighSurrogate(escaped[cut - 1]))
        {
            cut--;
        }

        return string.Concat(escaped.AsSpan(0, cut), Ellipsis);
    }
}

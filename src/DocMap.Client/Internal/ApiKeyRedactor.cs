namespace DocMap.Client.Internal;

/// <summary>
/// Masks the API key in text that came from the server (error codes and messages, JSON paths built from property
/// names, content types, redirect targets, transport messages that quote response bytes) before it reaches an
/// exception, in any letter case.
/// </summary>
internal sealed class ApiKeyRedactor
{
    public const string Mask = "****";

    private readonly string _apiKey;

    public ApiKeyRedactor(string? apiKey)
    {
        _apiKey = apiKey ?? string.Empty;
    }

    /// <summary>The text with every occurrence of the key (ignoring case) replaced by <see cref="Mask"/>.</summary>
    public string? Redact(string? text) =>
        text is null || _apiKey.Length == 0 ? text : text.Replace(_apiKey, Mask, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the text holds the key in any letter case.</summary>
    public bool Contains(string? text) =>
        text is not null && _apiKey.Length != 0 && text.Contains(_apiKey, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A transport exception that is safe to hand to the caller: <paramref name="exception"/> itself unless it is an
    /// <see cref="HttpRequestException"/> whose message, or an inner exception's, holds the key (.NET quotes some
    /// malformed response bytes, such as a bad header name, in its messages); then an <see cref="HttpRequestException"/>
    /// of the same <see cref="HttpRequestException.HttpRequestError"/> and status with the messages masked, and no inner
    /// exception (whose texts would hold the key).
    /// </summary>
    public Exception SafeTransport(Exception exception)
    {
        if (exception is not HttpRequestException http || !ChainContainsKey(exception))
        {
            return exception;
        }

        var message = Redact(http.Message);
        if (http.InnerException is { } inner && ChainContainsKey(inner))
        {
            message += " (" + Redact(inner.Message) + ")";
        }

        return new HttpRequestException(http.HttpRequestError, message, inner: null, http.StatusCode);
    }

    /// <summary>
    /// An exception that is safe to attach as an inner exception: <paramref name="exception"/> itself when none of its
    /// texts (messages, JSON paths, along the whole inner chain) holds the key; otherwise a <see cref="System.Text.Json.JsonException"/>
    /// with the masked message and path of the outermost one and no inner exception.
    /// </summary>
    public Exception SafeInner(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (Contains(e.Message) || (e is System.Text.Json.JsonException json && Contains(json.Path)))
            {
                var outer = exception as System.Text.Json.JsonException;
                return new System.Text.Json.JsonException(Redact(exception.Message), Redact(outer?.Path), outer?.LineNumber, outer?.BytePositionInLine);
            }
        }

        return exception;
    }

    private bool ChainContainsKey(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (Contains(e.Message))
            {
                return true;
            }
        }

        return false;
    }
}

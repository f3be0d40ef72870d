namespace DocMap.Client.Internal;

/// <summary>
/// Masks the API key in text that came from the server (error codes and messages, JSON paths built from property
/// names, content types, redirect targets) before it reaches an exception, in any letter case.
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
}

namespace DocMap.Client.Internal;

/// <summary>
/// The method and path of a request, as every message, exception and log record names it: the path without query or
/// host (escaped as sent, for example <c>/v1/webhooks/wh%2F1</c>). Computed once per request, when something first
/// needs it (an exception, a timeout, a log record; a successful call that logs nothing never computes it), and kept in
/// the request's options.
/// </summary>
internal sealed record DocMapCall(string Method, string Path)
{
    private static readonly HttpRequestOptionsKey<DocMapCall> Key = new("DocMap.Call");

    /// <summary>The call a request makes; <c>?</c> for what is unknown.</summary>
    public static DocMapCall Of(HttpRequestMessage? request) => request is null ? new("?", "?") : Of(request, request.RequestUri);

    /// <summary>
    /// The call a request makes, computed from <paramref name="sentTo"/> (the URI the request was sent to) if it was
    /// not computed before: after a handler followed a redirect, the request's own URI is the redirect's.
    /// </summary>
    public static DocMapCall Of(HttpRequestMessage request, Uri? sentTo)
    {
        if (request.Options.TryGetValue(Key, out var call))
        {
            return call;
        }

        call = new(request.Method.Method, PathOf(sentTo));
        request.Options.Set(Key, call);
        return call;
    }

    private static string PathOf(Uri? uri) => uri switch
    {
        null => "?",
        { IsAbsoluteUri: true } => uri.AbsolutePath,
        _ => uri.OriginalString.Split('?', 2)[0],
    };
}

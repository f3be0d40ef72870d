namespace DocMap.Client.Internal;

/// <summary>
/// The method and path of a request, as every message, exception and log record names it: the path without query or
/// host (escaped as sent, for example <c>/v1/webhooks/wh%2F1</c>). Computed once per request, by the outermost handler,
/// and kept in the request's options; a later redirect of the request does not change it.
/// </summary>
internal sealed record DocMapCall(string Method, string Path)
{
    private static readonly HttpRequestOptionsKey<DocMapCall> Key = new("DocMap.Call");

    /// <summary>The call a request makes; <c>?</c> for what is unknown.</summary>
    public static DocMapCall Of(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return new("?", "?");
        }

        if (request.Options.TryGetValue(Key, out var call))
        {
            return call;
        }

        call = new(request.Method.Method, PathOf(request.RequestUri));
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

namespace DocMap.Client.Internal;

/// <summary>
/// The innermost of the SDK's handlers, right in front of the primary handler (after every handler the user added):
/// refuses the answer of a redirect that the primary handler followed by itself (one whose <c>AllowAutoRedirect</c>
/// the SDK could not switch off, see <see cref="DocMapRedirects"/>). Such a handler changes the request's URI to the
/// redirect's target; whatever that address answered is not DocMap's answer to this request. Sitting innermost, it
/// sees the URI exactly as it was handed to the primary handler, so a user's handler that rewrites the URI on purpose
/// (a query parameter, a gateway, a test host) is not taken for a redirect.
/// </summary>
internal sealed class DocMapRedirectGuardHandler : DelegatingHandler
{
    private readonly ApiKeyRedactor _redactor;

    public DocMapRedirectGuardHandler(ApiKeyRedactor redactor)
    {
        _redactor = redactor;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sentTo = request.RequestUri;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.RequestUri == sentTo || request.RequestUri is not { IsAbsoluteUri: true } redirectedTo)
        {
            return response;
        }

        var status = response.StatusCode;
        response.Dispose();
        var call = DocMapCall.Of(request, sentTo);
        throw new DocMapApiException(
            DocMapMessages.RedirectFollowed(call, _redactor.Redact(DocMapRedirects.Origin(redirectedTo))!),
            status, null, null, call.Method, call.Path, null, null);
    }
}

namespace DocMap.Client.Internal;

/// <summary>
/// The innermost of the SDK's handlers (between the Polly policy handler and the primary handler): reads the whole
/// response body into memory inside the attempt, so <see cref="DocMapClientOptions.AttemptTimeout"/> covers the body as
/// well as the headers, and a server that sends headers and then stalls or drops the connection is abandoned and, for
/// GET and DELETE, retried. A failure while reading the body is reported as an <see cref="HttpRequestException"/>
/// (a transport error, which the retry policy treats as transient).
/// </summary>
/// <remarks>
/// Being inside the retry loop, it also sees every attempt: when a DELETE attempt ends in a way after which DocMap may
/// have carried it out without the client hearing so (no response: transport error, timeout; or 408 or a 5xx), it
/// sets <see cref="DeleteMayHaveSucceeded"/> on the request, so <see cref="DocMapTimeoutHandler"/> can treat a later
/// 404 <c>NOT_FOUND</c> as the success it most likely is.
/// </remarks>
internal sealed class DocMapBufferingHandler : DelegatingHandler
{
    /// <summary>Set on a DELETE request when an earlier attempt may have deleted the resource unseen.</summary>
    internal static readonly HttpRequestOptionsKey<bool> DeleteMayHaveSucceeded = new("DocMap.DeleteMayHaveSucceeded");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            FlagUnseenDelete(request);
            throw;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            response.Dispose();
            FlagUnseenDelete(request);
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The connection failed while the DocMap API response body was being read.", ex);
        }
        catch
        {
            response.Dispose();
            FlagUnseenDelete(request);
            throw;
        }

        if (response.StatusCode == System.Net.HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500)
        {
            FlagUnseenDelete(request);
        }

        return response;
    }

    private static void FlagUnseenDelete(HttpRequestMessage request)
    {
        if (request.Method == HttpMethod.Delete)
        {
            request.Options.Set(DeleteMayHaveSucceeded, true);
        }
    }
}

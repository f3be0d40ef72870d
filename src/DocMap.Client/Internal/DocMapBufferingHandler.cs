namespace DocMap.Client.Internal;

/// <summary>
/// The innermost of the SDK's handlers (between the Polly policy handler and the primary handler): reads the whole
/// response body into memory inside the attempt, so <see cref="DocMapClientOptions.AttemptTimeout"/> covers the body as
/// well as the headers, and a server that sends headers and then stalls or drops the connection is abandoned and, for
/// GET and DELETE, retried. A failure while reading the body is reported as an <see cref="HttpRequestException"/>
/// (a transport error, which the retry policy treats as transient).
/// </summary>
internal sealed class DocMapBufferingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (IOException ex)
        {
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "The connection failed while the DocMap API response body was being read.", ex);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

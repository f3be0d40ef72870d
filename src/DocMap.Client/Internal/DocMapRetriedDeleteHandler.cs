using System.Net;

namespace DocMap.Client.Internal;

/// <summary>
/// The retried-DELETE rule, whole: when an attempt of a DELETE ended in a way after which DocMap may have carried it
/// out without the client hearing so (no response: a transport error or a timeout; or 408 or a 5xx), a later attempt's
/// 404 <c>NOT_FOUND</c> means the webhook is gone, which is what the caller asked for, so it becomes a 204.
/// </summary>
/// <remarks>
/// It sits inside the retry loop (between the Polly handler and <see cref="DocMapBufferingHandler"/>), so it sees every
/// attempt and each attempt's buffered body. A 404 is never retried, so answering it here is the same as answering it
/// after the loop. A 404 on the first attempt, or after attempts DocMap refused (such as 429), is a real "not found".
/// </remarks>
internal sealed class DocMapRetriedDeleteHandler : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<bool> MayHaveSucceeded = new("DocMap.DeleteMayHaveSucceeded");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Delete)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            request.Options.Set(MayHaveSucceeded, true);
            throw;
        }

        if (response.StatusCode == HttpStatusCode.NotFound
            && request.Options.TryGetValue(MayHaveSucceeded, out var flagged) && flagged
            && DocMapErrorMapper.ReadError(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false))?.Code == DocMapErrorCodes.NotFound)
        {
            // An earlier attempt most likely deleted the webhook but its answer was lost: the goal is reached.
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request, Content = new ByteArrayContent([]) };
        }

        if (response.StatusCode == HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500)
        {
            request.Options.Set(MayHaveSucceeded, true);
        }

        return response;
    }
}

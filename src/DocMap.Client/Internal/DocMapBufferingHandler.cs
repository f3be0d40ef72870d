namespace DocMap.Client.Internal;

/// <summary>
/// The innermost of the SDK's handlers (next to the primary handler, inside the retry loop): reads the response body
/// into memory inside each attempt, within a size limit, so that
/// <list type="bullet">
/// <item><see cref="DocMapClientOptions.AttemptTimeout"/> covers the body as well as the headers (a server that sends
/// headers and then stalls or drops the connection is abandoned and, for GET and DELETE, retried; a failure while reading
/// is an <see cref="HttpRequestException"/>, which the retry policy treats as transient);</item>
/// <item>no response costs more memory than its limit: a 2xx body is read up to
/// <see cref="DocMapClientOptions.MaxResponseBytes"/> (counted after decompression, so a compression bomb stops there)
/// and a larger one fails with a <see cref="DocMapApiException"/> that is never retried; an error body is read up to
/// <see cref="MaxErrorBodyBytes"/>, and past that it is dropped (the connection is closed) and replaced by an
/// <see cref="OversizedErrorBody"/> marker, so the error keeps its status (and a 503 is still retried);</item>
/// <item>a compressed body the decompressor refuses (corrupt gzip, deflate or brotli data) is a
/// <see cref="DocMapApiException"/> with the status for a 2xx (never retried), and for an error is replaced by an
/// <see cref="UndecodableErrorBody"/> marker, so the error keeps its status.</item>
/// </list>
/// It also records how far a failed attempt got (<see cref="DocMapAttemptProgress"/>) for the timeout messages. (The answer
/// of a redirect that a primary handler followed by itself is refused by <see cref="DocMapRedirectGuardHandler"/>.)
/// </summary>
internal sealed class DocMapBufferingHandler : DelegatingHandler
{
    /// <summary>The most the client reads of an error (non-2xx) body: DocMap's are tiny; a huge one is not DocMap's.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    private readonly int _maxResponseBytes;
    private readonly int _maxErrorBodyBytes;

    public DocMapBufferingHandler(int maxResponseBytes)
    {
        _maxResponseBytes = maxResponseBytes;
        _maxErrorBodyBytes = Math.Min(MaxErrorBodyBytes, maxResponseBytes);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sentTo = request.RequestUri;
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

            var success = response.IsSuccessStatusCode;
            var limit = success ? _maxResponseBytes : _maxErrorBodyBytes;
            try
            {
                await response.Content.LoadIntoBufferAsync(limit, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
            {
                if (success)
                {
                    var call = DocMapCall.Of(request, sentTo);
                    throw new DocMapApiException(
                        DocMapMessages.ResponseTooLarge(call, response.StatusCode, limit),
                        response.StatusCode, null, null, call.Method, call.Path, null, null);
                }

                // Keep the status (the error is the status's), drop the body: disposing it mid-read closes the connection.
                var oversized = response.Content;
                response.Content = new OversizedErrorBody(limit);
                oversized.Dispose();
            }
            catch (IOException ex)
            {
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "The connection failed while the DocMap API response body was being read.", ex);
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException)
            {
                // The decompressor refused the body: corrupt gzip or deflate data (InvalidDataException) or brotli data
                // (InvalidOperationException). The bytes would be as corrupt on another attempt.
                if (success)
                {
                    var call = DocMapCall.Of(request, sentTo);
                    throw new DocMapApiException(
                        DocMapMessages.BodyNotDecompressed(call, response.StatusCode),
                        response.StatusCode, null, null, call.Method, call.Path, null, ex);
                }

                // An error keeps its status (a 503 is still retried), without the body.
                var undecodable = response.Content;
                response.Content = new UndecodableErrorBody();
                undecodable.Dispose();
            }

            if (!response.IsSuccessStatusCode)
            {
                DocMapAttemptProgress.Record(request, DocMapAttemptPhase.Done, (int)response.StatusCode);
            }

            return response;
        }
        catch (Exception ex)
        {
            // A cancelled or timed-out attempt records the phase it was in, for the timeout message.
            var phase = ex is not OperationCanceledException ? DocMapAttemptPhase.Done
                : response is null ? DocMapAttemptPhase.AwaitingResponse : DocMapAttemptPhase.ReadingBody;
            DocMapAttemptProgress.Record(request, phase, response is null ? 0 : (int)response.StatusCode);
            response?.Dispose();
            throw;
        }
    }
}

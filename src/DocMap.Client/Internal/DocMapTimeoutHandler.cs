using System.Globalization;
using System.Net;
using Polly.Timeout;

namespace DocMap.Client.Internal;

/// <summary>
/// The outermost handler: enforces <see cref="DocMapClientOptions.Timeout"/> over the whole call (retries included),
/// (the response body is already buffered by <see cref="DocMapBufferingHandler"/>, innermost, inside each attempt), and
/// turns an elapsed timeout into a <see cref="TimeoutException"/>
/// that says how long it waited. A cancellation requested by the caller stays an <see cref="OperationCanceledException"/>.
/// Methods that are never retried (POST) make one attempt, which this handler also bounds by
/// <see cref="DocMapClientOptions.AttemptTimeout"/>; for GET and DELETE the Polly policy does that per attempt.
/// </summary>
internal sealed class DocMapTimeoutHandler : DelegatingHandler
{
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _attemptTimeout;

    public DocMapTimeoutHandler(TimeSpan timeout, TimeSpan attemptTimeout)
    {
        _timeout = timeout;
        _attemptTimeout = attemptTimeout;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A single attempt (POST) is bounded by the shorter of the two timeouts.
        var attemptBound = !DocMapResilience.IsRetryableMethod(request.Method) && _attemptTimeout != Timeout.InfiniteTimeSpan
            && (_timeout == Timeout.InfiniteTimeSpan || _attemptTimeout < _timeout);
        var limit = attemptBound ? _attemptTimeout : _timeout;

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan)
        {
            timeoutSource.CancelAfter(limit);
        }

        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
            if (await IsNotFoundAfterUnseenDeleteAsync(request, response, timeoutSource.Token).ConfigureAwait(false))
            {
                // An earlier attempt most likely deleted the webhook but its answer was lost: the goal is reached.
                response.Dispose();
                return new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request, Content = new ByteArrayContent([]) };
            }

            if (response.IsSuccessStatusCode && request.Method != HttpMethod.Delete && response.Content.Headers.ContentLength == 0)
            {
                // Every call but DELETE expects {"data": ...}; without this Refit would hand back null.
                var (method, path) = DocMapErrorMapper.Describe(request);
                throw new DocMapApiException(
                    string.Create(CultureInfo.InvariantCulture, $"DocMap API {method} {path} answered {(int)response.StatusCode} ({response.StatusCode}) with an empty body instead of the documented {{\"data\": ...}}."),
                    response.StatusCode, null, null, method, path, null, null);
            }

            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            response?.Dispose();
            throw attemptBound
                ? AttemptTimedOut(request, ex)
                : new TimeoutException(
                    string.Create(CultureInfo.InvariantCulture, $"The DocMap API request {request.Method} {request.RequestUri?.AbsolutePath} did not complete within {Describe(_timeout)} (DocMapClientOptions.Timeout)."),
                    ex);
        }
        catch (TimeoutRejectedException ex)
        {
            response?.Dispose();
            throw AttemptTimedOut(request, ex);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether this is a retried DELETE whose earlier attempt may have succeeded unseen
    /// (<see cref="DocMapBufferingHandler.DeleteMayHaveSucceeded"/>) and whose final answer is 404 <c>NOT_FOUND</c>.
    /// </summary>
    private static async Task<bool> IsNotFoundAfterUnseenDeleteAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Delete || response.StatusCode != HttpStatusCode.NotFound
            || !request.Options.TryGetValue(DocMapBufferingHandler.DeleteMayHaveSucceeded, out var flagged) || !flagged)
        {
            return false;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return DocMapErrorMapper.ReadError(body)?.Code == DocMapErrorCodes.NotFound;
    }

    private TimeoutException AttemptTimedOut(HttpRequestMessage request, Exception inner) =>
        new(
            string.Create(CultureInfo.InvariantCulture, $"The DocMap API request {request.Method} {request.RequestUri?.AbsolutePath} got no response within {Describe(_attemptTimeout)} (DocMapClientOptions.AttemptTimeout)."),
            inner);

    internal static string Describe(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} seconds")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} milliseconds");
}

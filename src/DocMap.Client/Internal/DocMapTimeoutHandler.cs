using Polly.Timeout;

namespace DocMap.Client.Internal;

/// <summary>
/// The outermost handler: enforces
/// <see cref="DocMapClientOptions.Timeout"/> over the whole call (retries and the waits between them included), and
/// turns an elapsed timeout into a <see cref="TimeoutException"/> that says how long it waited, which setting, and how
/// far the last attempt got (no response, or headers but not the whole body). A cancellation requested by the caller
/// stays an <see cref="OperationCanceledException"/>. Methods that are never retried (POST) make one attempt, which this
/// handler also bounds by <see cref="DocMapClientOptions.AttemptTimeout"/>; for GET and DELETE the Polly policy does
/// that per attempt.
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

        try
        {
            var response = await base.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
            if (DocMapCallTracker.Current is { } tracker)
            {
                // The call's final answer (after retries and the retried-DELETE rule), for its span and metrics.
                tracker.StatusCode = (int)response.StatusCode;
            }

            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            throw attemptBound
                ? new TimeoutException(DocMapMessages.AttemptTimedOut(DocMapCall.Of(request), _attemptTimeout, DocMapAttemptProgress.Of(request)), ex)
                : new TimeoutException(DocMapMessages.CallTimedOut(DocMapCall.Of(request), _timeout, DocMapAttemptProgress.Of(request)), ex);
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(DocMapMessages.AttemptTimedOut(DocMapCall.Of(request), _attemptTimeout, DocMapAttemptProgress.Of(request)), ex);
        }
        catch (TimeoutRejectedException ex)
        {
            // The caller cancelled while the last attempt timed out (Polly reports the timeout whatever the caller's
            // token says): the caller gave up, so it is a cancellation, never a TimeoutException.
            throw new OperationCanceledException("The DocMap API call was canceled.", ex, cancellationToken);
        }
    }
}

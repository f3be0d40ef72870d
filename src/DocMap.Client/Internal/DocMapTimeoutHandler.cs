using System.Globalization;
using Polly.Timeout;

namespace DocMap.Client.Internal;

/// <summary>
/// The outermost handler: enforces <see cref="DocMapClientOptions.Timeout"/> over the whole call (retries included),
/// buffers the response body inside that window, and turns an elapsed timeout into a <see cref="TimeoutException"/>
/// that says how long it waited. A cancellation requested by the caller stays an <see cref="OperationCanceledException"/>.
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
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout != Timeout.InfiniteTimeSpan)
        {
            timeoutSource.CancelAfter(_timeout);
        }

        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, timeoutSource.Token).ConfigureAwait(false);
            await response.Content.LoadIntoBufferAsync(timeoutSource.Token).ConfigureAwait(false);
            return response;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            response?.Dispose();
            throw new TimeoutException(
                string.Create(CultureInfo.InvariantCulture, $"The DocMap API request {request.Method} {request.RequestUri?.AbsolutePath} did not complete within {Describe(_timeout)} (DocMapClientOptions.Timeout)."),
                ex);
        }
        catch (TimeoutRejectedException ex)
        {
            response?.Dispose();
            throw new TimeoutException(
                string.Create(CultureInfo.InvariantCulture, $"The DocMap API request {request.Method} {request.RequestUri?.AbsolutePath} got no response within {Describe(_attemptTimeout)} (DocMapClientOptions.AttemptTimeout)."),
                ex);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    internal static string Describe(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} seconds")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} milliseconds");
}

using Microsoft.Extensions.Http;
using Polly;

namespace DocMap.Client.Internal;

/// <summary>
/// Microsoft.Extensions.Http.Polly's policy handler, applied only to the methods that may be retried (GET, DELETE, ...).
/// POST goes straight to the inner handler: it is never retried, and its single attempt is bounded by
/// <see cref="DocMapTimeoutHandler"/>, so running it through Polly would only cost time and allocations.
/// </summary>
internal sealed class DocMapPolicyHandler : PolicyHttpMessageHandler
{
    private HttpMessageInvoker? _bypass;

    public DocMapPolicyHandler(IAsyncPolicy<HttpResponseMessage> retryableMethodPolicy)
        : base(retryableMethodPolicy)
    {
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (DocMapResilience.IsRetryableMethod(request.Method))
        {
            return base.SendAsync(request, cancellationToken);
        }

        // InnerHandler is assigned after construction (by IHttpClientFactory or DocMapClient.Create), so the invoker is
        // made on first use; a race only makes a second, equivalent invoker. It never disposes the inner handler.
        var bypass = _bypass ??= new HttpMessageInvoker(InnerHandler ?? throw new InvalidOperationException("The DocMap policy handler has no inner handler."), disposeHandler: false);
        return bypass.SendAsync(request, cancellationToken);
    }
}

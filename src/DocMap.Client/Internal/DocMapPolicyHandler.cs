using Microsoft.Extensions.Http;
using Polly;

namespace DocMap.Client.Internal;

/// <summary>
/// Microsoft.Extensions.Http.Polly's policy handler, applied only to the methods that may be retried (GET, DELETE, ...).
/// POST goes straight through: it is never retried, and its single attempt is bounded by
/// <see cref="DocMapTimeoutHandler"/>, so running it through Polly would only cost allocations.
/// </summary>
internal sealed class DocMapPolicyHandler : PolicyHttpMessageHandler
{
    /// <summary>Passed to <c>SendCoreAsync</c> on the bypass path, which ignores it; never written to.</summary>
    private static readonly Context BypassContext = new();

    public DocMapPolicyHandler(IAsyncPolicy<HttpResponseMessage> retryableMethodPolicy)
        : base(retryableMethodPolicy)
    {
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        DocMapResilience.IsRetryableMethod(request.Method)
            ? base.SendAsync(request, cancellationToken)
            : SendCoreAsync(request, BypassContext, cancellationToken);
}

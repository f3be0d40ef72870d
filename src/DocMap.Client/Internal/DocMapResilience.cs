using System.Net;
using Polly;
using Polly.Timeout;

namespace DocMap.Client.Internal;

/// <summary>
/// The built-in resilience policies (Polly, through Microsoft.Extensions.Http.Polly). GET and DELETE are retried on
/// transport errors, attempt timeouts, 408, 429 and 5xx (except 501), with exponential backoff and jitter, honouring
/// <c>Retry-After</c> up to <see cref="DocMapClientOptions.MaxRetryAfter"/>. POST is never retried.
/// </summary>
internal static class DocMapResilience
{
    /// <summary>The longest backoff between two attempts when the server gives no <c>Retry-After</c>.</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The policy for GET and DELETE: retries around a per-attempt timeout. Other methods bypass Polly (see
    /// <see cref="DocMapPolicyHandler"/>); their single attempt is bounded by <see cref="DocMapTimeoutHandler"/>.
    /// </summary>
    public static IAsyncPolicy<HttpResponseMessage> CreateRetryableMethodPolicy(DocMapClientOptions options)
    {
        IAsyncPolicy<HttpResponseMessage> attemptTimeout = options.AttemptTimeout == Timeout.InfiniteTimeSpan
            ? Policy.NoOpAsync<HttpResponseMessage>()
            : Policy.TimeoutAsync<HttpResponseMessage>(options.AttemptTimeout, TimeoutStrategy.Optimistic);

        return options.MaxRetries == 0
            ? attemptTimeout
            : Policy.WrapAsync(CreateRetryPolicy(options, TimeProvider.System), attemptTimeout);
    }

    /// <summary>GET, HEAD, OPTIONS and DELETE are retried; POST (which mints a secret) never is.</summary>
    internal static bool IsRetryableMethod(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Delete || method == HttpMethod.Head || method == HttpMethod.Options;

    /// <summary>408, 429 and every 5xx except 501 (not configured: retrying cannot help).</summary>
    internal static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || ((int)status >= 500 && (int)status <= 599 && status != HttpStatusCode.NotImplemented);

    /// <summary>
    /// Whether a transport error may go away on another attempt: every <see cref="HttpRequestException"/> is, unless its
    /// <see cref="HttpRequestException.HttpRequestError"/> is one that the same request meets again every time (a response
    /// over the handler's configured limits, HTTP version negotiation, extended CONNECT, proxy/user authentication) and
    /// no socket or I/O failure lies underneath. Conservative on purpose: anything unclear is retried.
    /// </summary>
    internal static bool IsRetryableTransportError(HttpRequestException exception)
    {
        if (exception.HttpRequestError is not (HttpRequestError.ConfigurationLimitExceeded or HttpRequestError.VersionNegotiationError
            or HttpRequestError.ExtendedConnectNotSupported or HttpRequestError.UserAuthenticationError))
        {
            return true;
        }

        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IOException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    internal static IAsyncPolicy<HttpResponseMessage> CreateRetryPolicy(DocMapClientOptions options, TimeProvider time)
    {
        var baseDelay = options.RetryBaseDelay;
        var maxRetryAfter = options.MaxRetryAfter;
        return Policy<HttpResponseMessage>
            .Handle<HttpRequestException>(IsRetryableTransportError)
            .Or<TimeoutRejectedException>()
            .OrResult(response => ShouldRetry(response, maxRetryAfter, time.GetUtcNow()))
            .WaitAndRetryAsync(
                options.MaxRetries,
                (attempt, outcome, _) => ComputeDelay(attempt, outcome.Result, baseDelay, time.GetUtcNow(), Random.Shared.NextDouble()),
                (outcome, _, _, _) =>
                {
                    DocMapCallTracker.Current?.OnRetry(outcome.Result, outcome.Exception);

                    // The failed attempt's response is dropped: free its connection before waiting.
                    outcome.Result?.Dispose();
                    return Task.CompletedTask;
                });
    }

    /// <summary>Whether a response is worth retrying: a transient status whose <c>Retry-After</c>, if any, is within the cap.</summary>
    internal static bool ShouldRetry(HttpResponseMessage response, TimeSpan maxRetryAfter, DateTimeOffset now)
    {
        if (!IsRetryableStatus(response.StatusCode))
        {
            return false;
        }

        var retryAfter = GetRetryAfter(response, now);
        return retryAfter is null || retryAfter.Value <= maxRetryAfter;
    }

    /// <summary>
    /// The wait before retry number <paramref name="attempt"/> (1-based): the server's <c>Retry-After</c> when it sent one,
    /// else <c>baseDelay * 2^(attempt-1)</c> (capped at <see cref="MaxBackoff"/>) less a random jitter of up to half.
    /// </summary>
    internal static TimeSpan ComputeDelay(int attempt, HttpResponseMessage? response, TimeSpan baseDelay, DateTimeOffset now, double random)
    {
        if (response is not null && GetRetryAfter(response, now) is { } retryAfter)
        {
            return retryAfter;
        }

        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var backoffMs = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxBackoff.TotalMilliseconds);
        var jittered = backoffMs * (1 - (0.5 * Math.Clamp(random, 0, 1)));
        return TimeSpan.FromMilliseconds(jittered);
    }

    /// <summary>The <c>Retry-After</c> of a response, as delta seconds or an HTTP date (relative to <paramref name="now"/>, never negative).</summary>
    internal static TimeSpan? GetRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}

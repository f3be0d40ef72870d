using System.Globalization;
using System.Net;

namespace DocMap.Client.Testing;

/// <summary>
/// The faults queued per endpoint, consumed in order (<see cref="DocMapEmulator.FailNext"/> and
/// <c>POST /_emulator/faults</c>). Thread-safe.
/// </summary>
internal sealed class FaultQueue
{
    /// <summary>The longest Retry-After a fault may carry.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<DocMapEndpoint, Queue<Fault>> _faults = [];

    /// <summary>
    /// Validates a fault's settings; returns <see langword="null"/> when they are valid, otherwise the name of the bad
    /// argument and why (callers turn it into an <see cref="ArgumentException"/> or a 400).
    /// </summary>
    public static (string Name, string Message)? Validate(DocMapEndpoint endpoint, int count, int status, TimeSpan? retryAfter, string? errorCode)
    {
        if (!Enum.IsDefined(endpoint))
        {
            return ("endpoint", "Unknown DocMap endpoint.");
        }

        if (count < 1)
        {
            return ("count", "The count must be at least 1.");
        }

        if (status is < 400 or > 599)
        {
            return ("statusCode", "A failure status must be between 400 and 599.");
        }

        if (retryAfter is { } delay && (delay < TimeSpan.Zero || delay > MaxRetryAfter))
        {
            return ("retryAfter", "Retry-After must be between zero and one day.");
        }

        if (errorCode is not null && (string.IsNullOrWhiteSpace(errorCode) || errorCode.Length > 100))
        {
            return ("errorCode", "An error code cannot be empty or longer than 100 characters.");
        }

        return null;
    }

    /// <summary>Queues a fault (already validated) and returns how many faulted calls are now queued for the endpoint.</summary>
    public int Add(DocMapEndpoint endpoint, int count, int status, TimeSpan? retryAfter, string? errorCode)
    {
        var fault = new Fault(count, status, errorCode ?? DefaultErrorCode(status), retryAfter);
        lock (_gate)
        {
            if (!_faults.TryGetValue(endpoint, out var queue))
            {
                _faults[endpoint] = queue = new Queue<Fault>();
            }

            queue.Enqueue(fault);
            long remaining = 0;
            foreach (var queued in queue)
            {
                remaining += queued.Remaining;
            }

            return (int)Math.Min(remaining, int.MaxValue);
        }
    }

    /// <summary>Takes one call's worth of the endpoint's next fault, or returns <see langword="null"/> when none is queued.</summary>
    public Fault? TryTake(DocMapEndpoint endpoint)
    {
        lock (_gate)
        {
            if (_faults.TryGetValue(endpoint, out var queue) && queue.TryPeek(out var fault))
            {
                if (--fault.Remaining == 0)
                {
                    queue.Dequeue();
                }

                return fault;
            }

            return null;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>DocMap's error code for a status.</summary>
    public static string DefaultErrorCode(int status) => status switch
    {
        400 => DocMapErrorCodes.ValidationError,
        401 => DocMapErrorCodes.Unauthorized,
        403 => DocMapErrorCodes.Forbidden,
        404 => DocMapErrorCodes.NotFound,
        429 => DocMapErrorCodes.UsageLimitExceeded,
        501 => DocMapErrorCodes.NotConfigured,
        502 => DocMapErrorCodes.ExtractionFailed,
        _ => DocMapErrorCodes.InternalError,
    };

    /// <summary>
    /// The message an injected failure answers with. A 429 with a Retry-After leaves the when to that header (a client
    /// states it from there, as DocMap.Client's exception message does); without one it says to retry later.
    /// </summary>
    public static string DefaultMessage(int status, TimeSpan? retryAfter = null) => status switch
    {
        (int)HttpStatusCode.TooManyRequests when retryAfter is not null => "Usage limit exceeded.",
        (int)HttpStatusCode.TooManyRequests => "Usage limit exceeded. Retry later.",
        (int)HttpStatusCode.ServiceUnavailable => "The service is temporarily unavailable.",
        _ => $"Injected failure (HTTP {status.ToString(CultureInfo.InvariantCulture)}).",
    };
}

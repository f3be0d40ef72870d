using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Rate-limits the log of store failures in the background loops (the accept path logs each 503 itself): the first
/// failure is logged at once, later ones at most once per <see cref="Quiet"/> with a count of those not logged, and the
/// first success after failures is logged once.
/// </summary>
internal sealed class InboxStoreOutage(ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private long _failures;
    private long _suppressed;
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;

    public void Failed(string operation, Exception exception)
    {
        long suppressed;
        lock (_gate)
        {
            _failures++;
            var now = time.GetUtcNow();
            if (_failures > 1 && now - _lastLogged < Quiet)
            {
                _suppressed++;
                return;
            }

            suppressed = _suppressed;
            _suppressed = 0;
            _lastLogged = now;
        }

        InboxLog.StoreError(logger, operation, exception.GetType().FullName ?? exception.GetType().Name, InboxFailures.Describe(exception.Message), suppressed);
    }

    public void Succeeded(string operation)
    {
        if (Volatile.Read(ref _failures) == 0)
        {
            return;
        }

        long failures;
        lock (_gate)
        {
            failures = _failures;
            _failures = 0;
            _suppressed = 0;
            _lastLogged = DateTimeOffset.MinValue;
        }

        if (failures > 0)
        {
            InboxLog.StoreRecovered(logger, operation, failures);
        }
    }
}

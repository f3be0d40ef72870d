using System.Collections.Concurrent;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's hosted service. Once the host has started (so every endpoint is mapped), one dispatch loop leases due
/// messages for the free slots (at most <see cref="DocMapWebhookInboxOptions.MaxConcurrency"/> attempts run at once) and
/// hands each to the <see cref="InboxAttemptRunner"/>; when nothing is due it waits for
/// <see cref="DocMapWebhookInboxOptions.PollInterval"/> or a local accept, whichever comes first. A second loop purges
/// expired records every <see cref="DocMapWebhookInboxOptions.PurgeInterval"/>. Store failures are logged (rate-limited)
/// and retried; nothing here stops the host. On stop: no new leases; running handlers may finish until the host's
/// shutdown timeout; then their tokens are cancelled and their leases handed back without counting the attempt.
/// </summary>
internal sealed class InboxWorker : IHostedService, IDisposable
{
    /// <summary>The most time shutdown spends handing leases back after the host's shutdown timeout has passed.</summary>
    internal static readonly TimeSpan ReleaseBudget = TimeSpan.FromSeconds(5);

    private static int s_instances;

    private readonly IDocMapWebhookInboxStore _store;
    private readonly InboxAttemptRunner _runner;
    private readonly InboxEndpointRegistry _registry;
    private readonly InboxWakeSignal _wake;
    private readonly InboxStoreOutage _outage;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;
    private readonly DocMapWebhookInboxOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<InboxAttempt, byte> _running = new();
    private readonly InboxSignal _slotFreed = new();
    private Task _dispatching = Task.CompletedTask;
    private Task _purging = Task.CompletedTask;
    private readonly object _stopGate = new();
    private Task? _stop;

    public InboxWorker(
        IDocMapWebhookInboxStore store,
        InboxAttemptRunner runner,
        InboxEndpointRegistry registry,
        InboxWakeSignal wake,
        InboxStoreOutage outage,
        IOptions<DocMapWebhookInboxOptions> options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IServiceProvider services)
    {
        _store = store;
        _runner = runner;
        _registry = registry;
        _wake = wake;
        _outage = outage;
        _time = time;
        _options = options.Value;
        _lifetime = services.GetService<IHostApplicationLifetime>();
        _logger = loggerFactory.CreateLogger(InboxLog.Category);
        Owner = $"{Environment.MachineName}/{Environment.ProcessId}/inbox-{Interlocked.Increment(ref s_instances)}";
    }

    /// <summary>The lease owner of this worker: host/pid/worker.</summary>
    public string Owner { get; }

    /// <summary>How many attempts run now.</summary>
    internal int RunningCount => _running.Count;

    /// <summary>Whether the host has begun to stop the worker (no new lease is taken from then on).</summary>
    internal bool Stopping => _stopping.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _dispatching = Task.Run(DispatchAsync, CancellationToken.None);
        _purging = Task.Run(PurgeAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <remarks>
    /// Safe to call more than once, concurrently, and after <see cref="Dispose"/>: a minimal-hosting app run by
    /// WebApplicationFactory is stopped twice at once (the factory's StopAsync and the app's own Run, which then disposes
    /// the host while the factory's call is still going through the hosted services). The first call stops the worker;
    /// the others wait for it, each until its own token is cancelled.
    /// </remarks>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
        {
            if (_stop is null)
            {
                // The first stop runs to its end, past its token: after the shutdown timeout it still hands leases back.
                return _stop = StopOnceAsync(cancellationToken);
            }
        }

        return WaitQuietlyAsync(_stop, cancellationToken);
    }

    /// <summary>
    /// Signals the loops and the running handlers to end (a host disposed without being stopped). The token sources are
    /// not disposed: they have no timer, and a stop or a loop still running must be able to read them.
    /// </summary>
    public void Dispose()
    {
        QuietCancellation.Cancel(_stopping);
        QuietCancellation.Cancel(_abort);
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await WaitQuietlyAsync(_dispatching, cancellationToken).ConfigureAwait(false);
        await WaitQuietlyAsync(_purging, cancellationToken).ConfigureAwait(false);

        var running = _running.Keys.ToArray();
        if (running.Length == 0)
        {
            return;
        }

        // Running handlers may finish until the host's shutdown timeout.
        var all = Task.WhenAll(running.Select(a => a.Completion));
        if (await WaitQuietlyAsync(all, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // Then they are cancelled, and the leases of those still running go back to the queue at once (not counted as
        // an attempt), so another instance, or this one after a restart, takes them without waiting for them to expire.
        // The leases are claimed before the tokens are cancelled, so a handler that gives up at once does not race the
        // release; one that already returned settles itself (and is waited for, within the same budget).
        var left = running.Where(a => !a.Completion.IsCompleted).ToArray();
        var claimed = left.Where(a => a.TryClaimForRelease()).ToArray();
        await QuietCancellation.CancelAsync(_abort).ConfigureAwait(false); // the leases claimed above must go back, whatever a callback does

        var releases = claimed.Select(_runner.ReleaseAsync).ToArray();
        var settling = left.Except(claimed).Select(a => a.Completion);
        var handedBack = Task.WhenAll(releases);
        await WaitQuietlyAsync(Task.WhenAll(settling.Append(handedBack)), ReleaseBudget).ConfigureAwait(false);
        var released = releases.Count(r => r.IsCompletedSuccessfully && r.Result);
        InboxLog.LeasesReleased(_logger, left.Length, released);
    }

    private async Task DispatchAsync()
    {
        if (!await WaitForHostStartedAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            _registry.EnsureBuilt();
        }
        catch (Exception ex)
        {
            // The app's own routing fails the same way; messages whose endpoint is not found fail their attempts.
            InboxLog.EndpointsUnavailable(_logger, ex.GetType().FullName ?? ex.GetType().Name, InboxFailures.Describe(ex.Message));
        }

        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var free = _options.MaxConcurrency - _running.Count;
            if (free <= 0)
            {
                if (!await WaitAsync(_slotFreed, Timeout.InfiniteTimeSpan).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            IReadOnlyList<InboxLease> leases;
            try
            {
                // Not cancelled by the stop: a lease call cut short could leave leases nobody hands back.
                leases = await _store.LeaseAsync(Owner, free, _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                _outage.Succeeded("LeaseAsync");
            }
            catch (Exception ex)
            {
                _outage.Failed("LeaseAsync", ex);
                if (!await DelayAsync(_options.PollInterval).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            if (stopping.IsCancellationRequested)
            {
                // Leased while the host began to stop: hand them back untouched.
                foreach (var lease in leases)
                {
                    using var attempt = new InboxAttempt(lease, CancellationToken.None);
                    await _runner.ReleaseAsync(attempt).ConfigureAwait(false);
                }

                break;
            }

            foreach (var lease in leases)
            {
                Start(lease);
            }

            if (leases.Count < free && !await WaitAsync(_wake.Signal, _options.PollInterval).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private void Start(InboxLease lease)
    {
        var attempt = new InboxAttempt(lease, _abort.Token);
        _running[attempt] = 0;
        attempt.Completion = Task.Run(async () =>
        {
            try
            {
                await _runner.RunAsync(attempt).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The runner records every outcome itself; anything left is a store failure it could not settle.
                _outage.Failed("attempt", ex);
            }
            finally
            {
                _running.TryRemove(attempt, out _);
                attempt.Dispose();
                _slotFreed.Notify();
            }
        });
    }

    private async Task PurgeAsync()
    {
        if (!await WaitForHostStartedAsync().ConfigureAwait(false))
        {
            return;
        }

        while (await DelayAsync(_options.PurgeInterval).ConfigureAwait(false))
        {
            try
            {
                var removed = await _store.PurgeExpiredAsync(_stopping.Token).ConfigureAwait(false);
                _outage.Succeeded("PurgeExpiredAsync");
                if (removed > 0)
                {
                    InboxLog.Purged(_logger, removed);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _outage.Failed("PurgeExpiredAsync", ex);
            }
        }
    }

    /// <summary>Waits until the host has started (every endpoint is then mapped and built); <see langword="false"/> when it stops first.</summary>
    private async Task<bool> WaitForHostStartedAsync()
    {
        if (_lifetime is null)
        {
            return !_stopping.IsCancellationRequested;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started))
        using (_stopping.Token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started))
        {
            await started.Task.ConfigureAwait(false);
        }

        return !_stopping.IsCancellationRequested;
    }

    /// <summary>Waits for <paramref name="signal"/> or <paramref name="timeout"/>; <see langword="false"/> when the worker stops.</summary>
    private async Task<bool> WaitAsync(InboxSignal signal, TimeSpan timeout)
    {
        try
        {
            await signal.WaitAsync(timeout, _time, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitQuietlyAsync(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception)
        {
            return task.IsCompleted;
        }
    }

    private static async Task<bool> WaitQuietlyAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            return task.IsCompleted;
        }
    }
}

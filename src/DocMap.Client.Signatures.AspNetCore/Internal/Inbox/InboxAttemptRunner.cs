using System.Diagnostics;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's attempt seam: runs one leased message from start to settlement. It checks the attempt budget and the
/// endpoint, keeps the lease renewed while the handler runs (cancelling the handler's token when the lease is lost),
/// runs the endpoint's handler in a fresh DI scope, then records the outcome: completed; retried after a backoff;
/// dead-lettered after the last attempt; or handed back without counting when the host stopped the handler.
/// </summary>
internal sealed class InboxAttemptRunner
{
    private readonly IDocMapWebhookInboxStore _store;
    private readonly InboxEndpointRegistry _registry;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly InboxCounters _counters;
    private readonly InboxStoreOutage _outage;
    private readonly InboxTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly DocMapWebhookInboxOptions _options;

    public InboxAttemptRunner(
        IDocMapWebhookInboxStore store,
        InboxEndpointRegistry registry,
        IServiceScopeFactory scopes,
        IOptions<DocMapWebhookInboxOptions> options,
        TimeProvider time,
        InboxCounters counters,
        InboxStoreOutage outage,
        InboxTelemetry telemetry,
        ILoggerFactory loggerFactory)
    {
        _telemetry = telemetry;
        _store = store;
        _registry = registry;
        _scopes = scopes;
        _time = time;
        _counters = counters;
        _outage = outage;
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(InboxLog.Category);
    }

    /// <summary>A random number in [0, 1) for the retry jitter (replaceable in tests).</summary>
    internal Func<double> Random { get; set; } = System.Random.Shared.NextDouble;

    /// <summary>
    /// Runs the attempt inside its span (when anybody listens: see <see cref="InboxTelemetry.StartAttempt"/>) and ends
    /// the span and the attempt's count with the outcome.
    /// </summary>
    public async Task RunAsync(InboxAttempt attempt)
    {
        var telemetry = _telemetry.StartAttempt(attempt.Lease);
        if (telemetry is null)
        {
            await RunCoreAsync(attempt).ConfigureAwait(false);
            return;
        }

        AttemptResult result;
        try
        {
            result = await RunCoreAsync(attempt).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Only a store failure the runner could not settle gets here (the worker logs it).
            telemetry.End(InboxAttemptOutcomes.StoreUnavailable, ex.GetType().FullName);
            throw;
        }

        telemetry.End(result.Outcome, result.ErrorType);
    }

    private async Task<AttemptResult> RunCoreAsync(InboxAttempt attempt)
    {
        var lease = attempt.Lease;
        var message = lease.Message;
        if (lease.Attempt > _options.MaxAttempts)
        {
            // Earlier attempts were leased but never settled: their processes died (or lost touch) mid-run. Running it
            // again would likely kill this one too.
            var failure = InboxFailures.Decided(
                $"The message was leased {lease.Attempt} times but MaxAttempts is {_options.MaxAttempts}: earlier attempts never finished (the process running them stopped, or lost its lease); dead-lettered without running it again.",
                _time.GetUtcNow());
            return await SettleFailureAsync(attempt, failure, exception: null, lastAttempt: true).ConfigureAwait(false);
        }

        var endpoint = _registry.Find(message.Endpoint);
        if (endpoint is null)
        {
            var failure = InboxFailures.Decided(
                $"No DocMap webhook endpoint with the route pattern '{message.Endpoint}' is mapped in this app (was it removed or renamed in a redeployment?); dead-lettered without running. Map it again and re-queue the message.",
                _time.GetUtcNow());
            return await SettleFailureAsync(attempt, failure, exception: null, lastAttempt: true).ConfigureAwait(false);
        }

        Exception? error = null;
        var started = Stopwatch.GetTimestamp();
        using (var renewal = new CancellationTokenSource())
        {
            var renewing = RenewAsync(attempt, renewal.Token);
            var timeout = StartHandlerTimeout(attempt);
            try
            {
                await InvokeAsync(endpoint, message, attempt.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                // Disposed before the settlement: a timeout cannot fire for a handler that has returned.
                timeout?.Dispose();
            }

            // Cancel (not CancelAsync): the renewal loop's pending delay ends inline, so no thread hop is paid per message.
            renewal.Cancel();
            await renewing.ConfigureAwait(false);
        }

        if (!attempt.TryBeginSettling())
        {
            // The host stopped while the handler ran and handed the lease back already. A run that finished anyway is
            // still recorded as done (a completion is accepted under any lease).
            return error is null
                ? await CompleteAsync(attempt, started).ConfigureAwait(false)
                : new AttemptResult(InboxAttemptOutcomes.Cancelled, null);
        }

        if (error is null)
        {
            return await CompleteAsync(attempt, started).ConfigureAwait(false);
        }

        if (attempt.LeaseLost)
        {
            // Another worker has (or will have) the message; the outcome of this run belongs to nobody.
            return new AttemptResult(InboxAttemptOutcomes.LeaseLost, ErrorType(error));
        }

        if (attempt.Aborted && error is OperationCanceledException)
        {
            // The host's shutdown timeout passed and the handler gave up: hand the message back without counting it.
            await ReleaseAsync(attempt).ConfigureAwait(false);
            return new AttemptResult(InboxAttemptOutcomes.Cancelled, null);
        }

        var handlerFailure = attempt.TimedOut ? TimedOutFailure(error) : InboxFailures.From(error, _time.GetUtcNow());
        return await SettleFailureAsync(attempt, handlerFailure, error, lastAttempt: lease.Attempt >= _options.MaxAttempts).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels the handler's token once it has run for <see cref="DocMapWebhookInboxOptions.HandlerTimeout"/>, with a
    /// warning; <see langword="null"/> when there is no timeout. The caller disposes it when the handler returns.
    /// </summary>
    private CancellationTokenSource? StartHandlerTimeout(InboxAttempt attempt)
    {
        if (_options.HandlerTimeout == Timeout.InfiniteTimeSpan)
        {
            return null;
        }

        var timeout = new CancellationTokenSource(_options.HandlerTimeout, _time);
        timeout.Token.UnsafeRegister(static state =>
        {
            var (runner, attempt) = ((InboxAttemptRunner, InboxAttempt))state!;
            runner.TimeOut(attempt);
        }, (this, attempt));
        return timeout;
    }

    private void TimeOut(InboxAttempt attempt)
    {
        if (!attempt.TimeOut())
        {
            return;
        }

        var message = attempt.Lease.Message;
        _counters.AddHandlerTimedOut();
        InboxLog.HandlerTimedOut(_logger, message.Id, message.Kind.ToString(), EventType(message), WebhookLogValue.Escape(message.ExtractionId), attempt.Lease.Attempt, DurationText.Describe(_options.HandlerTimeout));
    }

    /// <summary>The failure of a handler that ran past its timeout and then ended with <paramref name="error"/>.</summary>
    private InboxFailure TimedOutFailure(Exception error) => InboxFailures.Decided(
        $"The handler did not finish within HandlerTimeout ({DurationText.Describe(_options.HandlerTimeout)}); its cancellation token was cancelled and it ended with {error.GetType().FullName}: {error.Message}",
        _time.GetUtcNow(),
        typeof(TimeoutException).FullName);

    /// <summary>Hands a lease back to the queue (graceful shutdown); <see langword="false"/> when it was lost or the store failed.</summary>
    public async Task<bool> ReleaseAsync(InboxAttempt attempt)
    {
        try
        {
            var released = await _store.ReleaseAsync(attempt.Lease, CancellationToken.None).ConfigureAwait(false);
            if (released)
            {
                _counters.AddReleased();
            }

            return released;
        }
        catch (Exception ex)
        {
            _outage.Failed("ReleaseAsync", ex);
            return false;
        }
    }

    private async Task InvokeAsync(InboxEndpoint endpoint, InboxMessage message, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        try
        {
            var services = scope.ServiceProvider;
            if (message.Kind == InboxMessageKind.MissedDelivery)
            {
                var delivery = MissedDeliveryCodec.Decode(message.Body);
                services.GetRequiredService<WebhookDeliveryHolder>().Delivery = delivery;
                await endpoint.RunMissedDeliveryAsync(services, message, delivery, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var webhookEvent = WebhookEvent.Parse(message.Body.Span);
                if (services.GetService<DocMapWebhookEventHolder>() is { } holder)
                {
                    holder.Event = webhookEvent;
                }

                await endpoint.RunDeliveryAsync(services, message, webhookEvent, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lease every third of its duration until <paramref name="stop"/>; cancels the handler when the lease is lost.</summary>
    private async Task RenewAsync(InboxAttempt attempt, CancellationToken stop)
    {
        var duration = _options.LeaseDuration;
        var interval = TimeSpan.FromTicks(duration.Ticks / 3);
        while (true)
        {
            try
            {
                await Task.Delay(interval, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var requestedAt = _time.GetUtcNow();
            bool renewed;
            try
            {
                renewed = await _store.RenewAsync(attempt.Lease, duration, stop).ConfigureAwait(false);
                _outage.Succeeded("RenewAsync");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _outage.Failed("RenewAsync", ex);
                if (_time.GetUtcNow() >= attempt.LeaseExpiresAt)
                {
                    LoseLease(attempt, "it expired while the store could not be reached to renew it");
                    return;
                }

                continue;
            }

            if (!renewed)
            {
                LoseLease(attempt, "the store refused to renew it (it expired and another worker took the message over, or it was settled)");
                return;
            }

            attempt.LeaseExpiresAt = requestedAt + duration;
        }
    }

    private void LoseLease(InboxAttempt attempt, string reason)
    {
        _counters.AddLeaseLost();
        InboxLog.LeaseLost(_logger, attempt.Lease.Message.Id, attempt.Lease.Attempt, reason);
        attempt.LoseLease();
    }

    private async Task<AttemptResult> CompleteAsync(InboxAttempt attempt, long started)
    {
        var message = attempt.Lease.Message;
        var done = await SettleAsync(attempt, "CompleteAsync", () => _store.CompleteAsync(attempt.Lease, CancellationToken.None)).ConfigureAwait(false);
        if (done is null)
        {
            return new AttemptResult(InboxAttemptOutcomes.StoreUnavailable, InboxAttemptOutcomes.StoreUnavailable);
        }

        _counters.AddCompleted();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            InboxLog.Handled(_logger, message.Id, message.Kind.ToString(), EventType(message), WebhookLogValue.Escape(message.ExtractionId), attempt.Lease.Attempt, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new AttemptResult(InboxAttemptOutcomes.Completed, null);
    }

    /// <summary>Records a failed attempt: dead-lettered (the last one), or back in the queue after a backoff.</summary>
    private async Task<AttemptResult> SettleFailureAsync(InboxAttempt attempt, InboxFailure failure, Exception? exception, bool lastAttempt)
    {
        var lease = attempt.Lease;
        var message = lease.Message;
        if (lastAttempt)
        {
            var deadLettered = await SettleAsync(attempt, "DeadLetterAsync", () => _store.DeadLetterAsync(lease, failure, CancellationToken.None)).ConfigureAwait(false);
            if (deadLettered == true)
            {
                _counters.AddDeadLettered();
                InboxLog.DeadLettered(_logger, exception, message.Id, message.Kind.ToString(), EventType(message), WebhookLogValue.Escape(message.ExtractionId), lease.Attempt, failure.ExceptionType, failure.Message);
            }
            else if (deadLettered == false)
            {
                LoseLease(attempt, "it was taken over before the failure could be recorded");
            }

            return Settled(deadLettered, InboxAttemptOutcomes.DeadLettered, failure);
        }

        var delay = InboxRetryPolicy.Delay(lease.Attempt, _options.RetryBaseDelay, _options.MaxRetryDelay, Random());
        var dueAt = failure.FailedAt + delay;
        var retried = await SettleAsync(attempt, "RetryAsync", () => _store.RetryAsync(lease, dueAt, failure, CancellationToken.None)).ConfigureAwait(false);
        if (retried == true)
        {
            _counters.AddRetried();
            InboxLog.AttemptFailed(_logger, exception, lease.Attempt, _options.MaxAttempts, message.Id, message.Kind.ToString(), EventType(message), WebhookLogValue.Escape(message.ExtractionId), failure.ExceptionType, failure.Message, dueAt);
        }
        else if (retried == false)
        {
            LoseLease(attempt, "it was taken over before the failure could be recorded");
        }

        return Settled(retried, InboxAttemptOutcomes.Retry, failure);
    }

    /// <summary>
    /// The outcome of a failure's settlement: <paramref name="outcome"/> when the store recorded it, lease_lost when it
    /// refused (the lease was taken over), store_unavailable when it never answered; the failure's type either way.
    /// </summary>
    private static AttemptResult Settled(bool? recorded, string outcome, InboxFailure failure) => recorded switch
    {
        true => new AttemptResult(outcome, failure.ExceptionType),
        false => new AttemptResult(InboxAttemptOutcomes.LeaseLost, failure.ExceptionType),
        null => new AttemptResult(InboxAttemptOutcomes.StoreUnavailable, failure.ExceptionType),
    };

    private static string ErrorType(Exception exception) => exception.GetType().FullName ?? exception.GetType().Name;

    /// <summary>
    /// Runs a settling store call, retrying store failures with backoff while the lease is still ours (by this worker's
    /// clock) and the host has not passed its shutdown timeout. Returns the call's result, or <see langword="null"/> when
    /// it never succeeded (the lease then expires and the message is taken again, counting this attempt).
    /// </summary>
    private async Task<bool?> SettleAsync(InboxAttempt attempt, string operation, Func<Task<bool>> call)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var result = await call().ConfigureAwait(false);
                _outage.Succeeded(operation);
                return result;
            }
            catch (Exception ex)
            {
                _outage.Failed(operation, ex);
            }

            if (attempt.Aborted || _time.GetUtcNow() + delay >= attempt.LeaseExpiresAt)
            {
                return null;
            }

            await Task.Delay(delay, _time).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    private static string EventType(InboxMessage message) => message.EventType.Length == 0 ? "(no type)" : WebhookLogValue.Escape(message.EventType)!;

    /// <summary>How an attempt ended, for its span and count: an <see cref="InboxAttemptOutcomes"/> value and the <c>error.type</c>, if any.</summary>
    private readonly record struct AttemptResult(string Outcome, string? ErrorType);
}

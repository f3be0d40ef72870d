using System.Diagnostics;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Reconciliation (opt-in): every <see cref="DocMapWebhookReconciliationOptions.Interval"/>, from the host's start, reads
/// the 100 newest entries of DocMap's delivery log and queues a <see cref="InboxMessageKind.MissedDelivery"/> message for
/// each <c>failed</c> delivery, within the retention, whose event has no inbox record. The message id derives from the
/// delivery id, so however many instances poll, one of them queues it, once; the inbox's workers then run the endpoint's
/// missed-delivery handler with the inbox's retries and dead letters. Failures are logged and retried at the next poll.
/// </summary>
internal sealed class InboxReconciler : IHostedService, IDisposable
{
    /// <summary>How many deliveries one poll reads (DocMap's largest page).</summary>
    public const int PageSize = 100;

    /// <summary>
    /// How old (by this app's clock) a failed delivery must be before it is reconciled: DocMap may be delivering the same
    /// event to another webhook of this app at the same time (for up to 10 seconds), and that delivery must have reached
    /// the inbox before the failed one is judged missed. Younger ones wait for a later poll.
    /// </summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(30);

    private readonly IServiceProvider _services;
    private readonly IDocMapWebhookInboxStore _store;
    private readonly InboxEndpointRegistry _registry;
    private readonly InboxWakeSignal _wake;
    private readonly InboxCounters _counters;
    private readonly InboxTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DocMapWebhookInboxOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private Task _polling = Task.CompletedTask;
    private DateTimeOffset? _previousNewest;

    public InboxReconciler(
        IServiceProvider services,
        IDocMapWebhookInboxStore store,
        InboxEndpointRegistry registry,
        InboxWakeSignal wake,
        InboxCounters counters,
        InboxTelemetry telemetry,
        IOptions<DocMapWebhookInboxOptions> options,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _services = services;
        _store = store;
        _registry = registry;
        _wake = wake;
        _counters = counters;
        _telemetry = telemetry;
        _time = time;
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(InboxLog.Category);
    }

    private DocMapWebhookReconciliationOptions Settings => _options.Reconciliation;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var registered = _services.GetService<IServiceProviderIsService>()?.IsService(typeof(IDocMapApi)) ?? _services.GetService<IDocMapApi>() is not null;
        if (!registered)
        {
            throw new InvalidOperationException(
                "DocMap inbox reconciliation reads DocMap's delivery log and needs the DocMap client: call services.AddDocMapClient(...) " +
                "(for example with builder.Configuration.GetSection(\"DocMap\"), which holds ApiKey), or remove AddReconciliation().");
        }

        _polling = Task.Run(PollLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <remarks>
    /// Safe to call more than once, concurrently, and after <see cref="Dispose"/> (a minimal-hosting app run by
    /// WebApplicationFactory is stopped twice at once, and disposed while one of the stops is still running).
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await QuietCancellation.CancelAsync(_stopping).ConfigureAwait(false);
        try
        {
            await _polling.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout passed during a poll.
        }
    }

    /// <summary>
    /// Ends the poll loop (a host disposed without being stopped). The token source is not disposed: it has no timer, and
    /// a stop or a poll still running must be able to read it.
    /// </summary>
    public void Dispose() => QuietCancellation.Cancel(_stopping);

    /// <summary>
    /// One poll: read the log, queue what was missed. Returns how many missed deliveries this call queued. The poll is a
    /// <c>ReconcileDeliveries</c> span when anybody listens: the DocMap client's call is its child, and the missed
    /// deliveries' processing spans link to it.
    /// </summary>
    internal async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = InboxTelemetry.StartReconciliation();
        try
        {
            var queued = await PollCoreAsync(cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(InboxTelemetry.MissedCountTag, queued);
            }

            return queued;
        }
        catch (Exception ex) when (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(DocMapWebhookInstruments.ErrorTypeTag, ex.GetType().FullName);
            }

            activity.SetStatus(ActivityStatusCode.Error);
            throw;
        }
    }

    private async Task<int> PollCoreAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<WebhookDelivery> deliveries;
        var scope = _services.CreateAsyncScope();
        try
        {
            var api = scope.ServiceProvider.GetRequiredService<IDocMapApi>();
            deliveries = (await api.ListDeliveriesAsync(Settings.WebhookId, PageSize, cancellationToken).ConfigureAwait(false)).Data ?? [];
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }

        CheckPage(deliveries);
        var now = _time.GetUtcNow();
        var cutoff = now - _options.Retention;
        var queued = 0;
        foreach (var delivery in deliveries)
        {
            // Deliveries older than the retention are ignored: their records may have been purged, so a handled one
            // could not be told from a missed one. Recent ones wait until a concurrent delivery of the event has landed.
            if (delivery is null || delivery.Status != DeliveryStatus.Failed || delivery.CreatedAt <= cutoff ||
                now - delivery.CreatedAt < MinimumAge || string.IsNullOrEmpty(delivery.Id))
            {
                continue;
            }

            if (InboxMessageIds.ForEvent(delivery.Event.Value, delivery.ExtractionId) is not { } eventId ||
                await _store.ExistsAsync(eventId, cancellationToken).ConfigureAwait(false))
            {
                // The event reached the inbox (through this delivery or another one), or cannot be named.
                continue;
            }

            if (await QueueAsync(delivery, cancellationToken).ConfigureAwait(false))
            {
                queued++;
            }
        }

        return queued;
    }

    private async Task<bool> QueueAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var endpoint = _registry.ForDeliveryUrl(delivery.Url);
        if (endpoint is null)
        {
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                InboxLog.MissedDeliveryUnmatched(_logger, WebhookLogValue.Escape(delivery.Id)!, PathOf(delivery.Url));
            }

            return false;
        }

        var message = new InboxMessage
        {
            Id = InboxMessageIds.ForMissedDelivery(delivery.Id),
            Kind = InboxMessageKind.MissedDelivery,
            Endpoint = endpoint.Route,
            EventType = delivery.Event.Value ?? string.Empty,
            ExtractionId = delivery.ExtractionId,
            Body = MissedDeliveryCodec.Encode(delivery),
            AcceptedAt = _time.GetUtcNow(),
            TraceParent = InboxTelemetry.CurrentTraceParent(),
        };
        if (!await _store.TryAcceptAsync(message, cancellationToken).ConfigureAwait(false))
        {
            // Queued before, by this instance or another one.
            return false;
        }

        _counters.AddMissedDelivery();
        _telemetry.MissedDelivery(message.EventType);
        _wake.Notify();
        InboxLog.MissedDelivery(
            _logger,
            WebhookLogValue.Escape(delivery.Id)!,
            WebhookLogValue.Escape(delivery.Event.Value) ?? "(none)",
            WebhookLogValue.Escape(delivery.ExtractionId) ?? "(none)",
            delivery.CreatedAt,
            delivery.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no response",
            message.Id,
            endpoint.Route);
        return true;
    }

    /// <summary>Warns when a whole page is newer than the previous poll's newest delivery: older ones may never be read.</summary>
    private void CheckPage(IReadOnlyList<WebhookDelivery> deliveries)
    {
        if (deliveries.Count == 0)
        {
            // An empty log: every delivery the next poll sees is newer than this one.
            _previousNewest ??= DateTimeOffset.MinValue;
            return;
        }

        var oldest = DateTimeOffset.MaxValue;
        var newest = DateTimeOffset.MinValue;
        foreach (var delivery in deliveries)
        {
            if (delivery is null)
            {
                continue;
            }

            oldest = delivery.CreatedAt < oldest ? delivery.CreatedAt : oldest;
            newest = delivery.CreatedAt > newest ? delivery.CreatedAt : newest;
        }

        if (deliveries.Count >= PageSize && _previousNewest is { } previous && oldest > previous)
        {
            // At the rate this page shows, a full page arrives in (newest - oldest); poll at half that.
            var span = newest - oldest;
            var suggested = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(Math.Min(span.TotalSeconds, Settings.Interval.TotalSeconds) / 2)));
            InboxLog.PageFull(_logger, deliveries.Count, oldest, newest, previous, Settings.Interval, suggested);
        }

        if (_previousNewest is null || newest > _previousNewest)
        {
            _previousNewest = newest;
        }
    }

    private async Task PollLoopAsync()
    {
        if (!await WaitForHostStartedAsync().ConfigureAwait(false))
        {
            return;
        }

        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                InboxLog.ReconciliationFailed(_logger, ex.GetType().FullName ?? ex.GetType().Name, InboxFailures.Describe(ex.Message), Settings.Interval);
            }

            try
            {
                await Task.Delay(Settings.Interval, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> WaitForHostStartedAsync()
    {
        if (_services.GetService<IHostApplicationLifetime>() is not { } lifetime)
        {
            return !_stopping.IsCancellationRequested;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started))
        using (_stopping.Token.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), started))
        {
            await started.Task.ConfigureAwait(false);
        }

        return !_stopping.IsCancellationRequested;
    }

    private static string PathOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? WebhookLogValue.Escape(uri.AbsolutePath)! : "(not a URL)";
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>The values of <c>docmap.webhook.outcome</c> on an inbox attempt's span and on <c>docmap.webhook.inbox.attempts</c>.</summary>
internal static class InboxAttemptOutcomes
{
    /// <summary>The handler returned and the completion was recorded (or the message had been completed already).</summary>
    public const string Completed = "completed";

    /// <summary>The handler failed and the message went back to the queue for a later attempt.</summary>
    public const string Retry = "retry";

    /// <summary>The handler failed on the last attempt (or the inbox gave up without running it): dead-lettered.</summary>
    public const string DeadLettered = "dead_lettered";

    /// <summary>The lease was lost (another worker took the message over): this attempt's outcome belongs to nobody.</summary>
    public const string LeaseLost = "lease_lost";

    /// <summary>The host stopped while the handler ran: the lease was handed back without counting the attempt.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// The store could not record the attempt's outcome (it failed until the lease ran out): the message is taken again
    /// when the lease expires, counting this attempt.
    /// </summary>
    public const string StoreUnavailable = "store_unavailable";
}

/// <summary>
/// The inbox's spans and instruments, on the receiver's <see cref="ActivitySource"/> and <see cref="Meter"/>
/// (<see cref="DocMapWebhookInstruments"/>): a span per processing attempt linked to the span that accepted the message,
/// a span per reconciliation poll, the <c>docmap.webhook.inbox.attempts</c> and <c>docmap.webhook.inbox.missed_deliveries</c>
/// counters, and the queued / running / dead-lettered gauges, read from <see cref="InboxStatsCache"/> (never from the
/// store while a listener collects). A singleton; the gauges exist from its construction (the worker's start) on.
/// </summary>
internal sealed class InboxTelemetry
{
    public const string ProcessDeliverySpanName = "ProcessWebhook";
    public const string ProcessMissedDeliverySpanName = "ProcessMissedDelivery";
    public const string ReconcileSpanName = "ReconcileDeliveries";

    public const string AttemptsName = "docmap.webhook.inbox.attempts";
    public const string MissedDeliveriesName = "docmap.webhook.inbox.missed_deliveries";
    public const string QueuedName = "docmap.webhook.inbox.queued";
    public const string RunningName = "docmap.webhook.inbox.running";
    public const string DeadLetteredName = "docmap.webhook.inbox.dead_lettered";

    public const string MessageIdTag = "docmap.webhook.inbox.message_id";
    public const string AttemptTag = "docmap.webhook.inbox.attempt";
    public const string KindTag = "docmap.webhook.inbox.kind";
    public const string MissedCountTag = "docmap.webhook.inbox.missed_count";

    /// <summary>The <c>docmap.webhook.inbox.kind</c> of a delivery DocMap made.</summary>
    public const string DeliveryKind = "delivery";

    /// <summary>The <c>docmap.webhook.inbox.kind</c> of a missed delivery found by reconciliation.</summary>
    public const string MissedKind = "missed";

    /// <summary>The <c>error.type</c> of a store call that did not answer within its bound.</summary>
    public const string TimeoutErrorType = "timeout";

    private readonly InboxStatsCache _stats;

    public InboxTelemetry(DocMapWebhookInstruments instruments, InboxStatsCache stats)
    {
        _stats = stats;
        var meter = instruments.Meter;
        Attempts = meter.CreateCounter<long>(
            AttemptsName,
            unit: "{attempt}",
            description: "Processing attempts of DocMap inbox messages, by outcome (completed, retry, dead_lettered, lease_lost, cancelled, store_unavailable) and kind (delivery, missed).");
        MissedDeliveries = meter.CreateCounter<long>(
            MissedDeliveriesName,
            unit: "{delivery}",
            description: "Deliveries DocMap logged as failed that never reached the inbox, found by reconciliation and queued.");
        meter.CreateObservableGauge(
            QueuedName,
            () => Observe(static s => s.Queued),
            unit: "{message}",
            description: "Inbox messages waiting for a worker (including those waiting for a retry), as the store counts them (every instance sharing the store reports the same count).");
        meter.CreateObservableGauge(
            RunningName,
            () => Observe(static s => s.Running),
            unit: "{message}",
            description: "Inbox messages leased to a worker, as the store counts them (every instance sharing the store reports the same count).");
        meter.CreateObservableGauge(
            DeadLetteredName,
            () => Observe(static s => s.DeadLettered),
            unit: "{message}",
            description: "Inbox messages given up on and kept for inspection or re-queueing, as the store counts them (every instance sharing the store reports the same count).");
    }

    public Counter<long> Attempts { get; }

    public Counter<long> MissedDeliveries { get; }

    /// <summary>The W3C <c>traceparent</c> of the current span (the one accepting a message), or <see langword="null"/> when there is none.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>
    /// Starts the telemetry of one processing attempt, or returns <see langword="null"/> when nobody listens to the spans
    /// or to <c>docmap.webhook.inbox.attempts</c>. The span (kind Consumer, a root linked to the accepting span) is
    /// current for the rest of the calling async method, so the handler's own spans are its children.
    /// </summary>
    public InboxAttemptTelemetry? StartAttempt(InboxLease lease)
    {
        var source = DocMapWebhookInstruments.Source;
        var listening = source.HasListeners();
        if (!listening && !Attempts.Enabled)
        {
            return null;
        }

        Activity? activity = null;
        if (listening)
        {
            var message = lease.Message;
            ActivityLink[]? links = null;
            if (message.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: true, out var accepted))
            {
                links = [new ActivityLink(accepted)];
            }

            // A root of its own trace: the attempt is not part of whatever the worker's loop inherited.
            Activity.Current = null;
            var name = message.Kind == InboxMessageKind.MissedDelivery ? ProcessMissedDeliverySpanName : ProcessDeliverySpanName;
            activity = source.StartActivity(name, ActivityKind.Consumer, parentContext: default, tags: null, links: links);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(MessageIdTag, message.Id);
                activity.SetTag(AttemptTag, lease.Attempt);
                activity.SetTag(KindTag, KindOf(message));
                if (message.EventType.Length > 0)
                {
                    activity.SetTag(DocMapWebhookInstruments.EventTag, DocMapWebhookInstruments.Cap(message.EventType));
                }

                if (message.ExtractionId is { } extractionId)
                {
                    activity.SetTag(DocMapWebhookInstruments.ExtractionIdTag, DocMapWebhookInstruments.Cap(extractionId));
                }
            }
        }

        return new InboxAttemptTelemetry(this, lease.Message, activity);
    }

    /// <summary>Starts a reconciliation poll's span (Internal; the DocMap client's call is its child), or <see langword="null"/>.</summary>
    public static Activity? StartReconciliation() =>
        DocMapWebhookInstruments.Source.StartActivity(ReconcileSpanName, ActivityKind.Internal);

    /// <summary>Reconciliation queued a missed delivery.</summary>
    public void MissedDelivery(string? eventType)
    {
        if (MissedDeliveries.Enabled)
        {
            MissedDeliveries.Add(1, new KeyValuePair<string, object?>(DocMapWebhookInstruments.EventTag, DocMapWebhookInstruments.BoundedEventType(eventType)));
        }
    }

    internal static string KindOf(InboxMessage message) => message.Kind == InboxMessageKind.MissedDelivery ? MissedKind : DeliveryKind;

    private IEnumerable<Measurement<long>> Observe(Func<InboxStats, long> read) =>
        _stats.Current() is { } stats ? [new Measurement<long>(read(stats))] : [];
}

/// <summary>The telemetry of one processing attempt: its span (when sampled) and its count. Ended once.</summary>
internal sealed class InboxAttemptTelemetry(InboxTelemetry telemetry, InboxMessage message, Activity? activity)
{
    private int _ended;

    public Activity? Activity => activity;

    /// <summary>
    /// Ends the attempt with <paramref name="outcome"/> (see <see cref="InboxAttemptOutcomes"/>): counts it and ends the
    /// span, with status Error and <c>error.type</c> when <paramref name="errorType"/> is given. Later calls do nothing.
    /// </summary>
    public void End(string outcome, string? errorType)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(DocMapWebhookInstruments.OutcomeTag, outcome);
                if (errorType is not null)
                {
                    activity.SetTag(DocMapWebhookInstruments.ErrorTypeTag, errorType);
                }
            }

            if (errorType is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Stop();
        }

        var attempts = telemetry.Attempts;
        if (attempts.Enabled)
        {
            var tags = new TagList
            {
                { DocMapWebhookInstruments.OutcomeTag, outcome },
                { InboxTelemetry.KindTag, InboxTelemetry.KindOf(message) },
                { DocMapWebhookInstruments.EventTag, DocMapWebhookInstruments.BoundedEventType(message.EventType) },
            };
            if (errorType is not null)
            {
                tags.Add(DocMapWebhookInstruments.ErrorTypeTag, errorType);
            }

            attempts.Add(1, tags);
        }
    }
}

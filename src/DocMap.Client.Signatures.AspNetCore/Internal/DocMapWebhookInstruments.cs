using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// The values of <c>docmap.webhook.outcome</c>: what became of one delivery. Every delivery ends with exactly one.
/// </summary>
internal static class DocMapWebhookOutcomes
{
    /// <summary>Verified, parsed, and the handler completed (or, with the inbox, the delivery was accepted).</summary>
    public const string Verified = "verified";

    /// <summary>401: the signature header is missing or malformed, or no signature matched (see the rejection reason).</summary>
    public const string Rejected = "rejected";

    /// <summary>413: the body is over <c>MaxBodyBytes</c> (or the server's own limit).</summary>
    public const string TooLarge = "too_large";

    /// <summary>400: the body's framing is broken, or the verified body is not a JSON object (see the rejection reason).</summary>
    public const string Invalid = "invalid";

    /// <summary>408: the body did not arrive within <c>BodyReadTimeout</c> (or the server's minimum data rate).</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The sender went away before the answer (while sending the body, or while the handler ran).</summary>
    public const string Aborted = "aborted";

    /// <summary>The handler threw (500), or answered a 5xx itself.</summary>
    public const string HandlerFailed = "handler_failed";

    /// <summary>The inbox already held this delivery (a redelivery): answered 200 without running anything again.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>
    /// The inbox's store failed, or did not answer within <c>AcceptTimeout</c>: answered 503 (DocMap logs the delivery
    /// as failed, and reconciliation can find it later).
    /// </summary>
    public const string Unavailable = "unavailable";

    /// <summary>
    /// An exception left the receiver's own processing before any handler ran (no sender causes one: a bug, or a
    /// request body stream another middleware put in place that failed): ASP.NET Core answers 500.
    /// </summary>
    public const string Error = "error";
}

/// <summary>The values of <c>docmap.webhook.rejection_reason</c>, for the outcomes <c>rejected</c> and <c>invalid</c>.</summary>
internal static class DocMapWebhookRejectionReasons
{
    public const string MissingSignature = "missing_signature";
    public const string MalformedSignature = "malformed_signature";
    public const string SignatureMismatch = "signature_mismatch";
    public const string UnreadableBody = "unreadable_body";
    public const string InvalidPayload = "invalid_payload";

    public static string Of(WebhookSignatureFailureReason reason) => reason switch
    {
        WebhookSignatureFailureReason.MissingSignature => MissingSignature,
        WebhookSignatureFailureReason.MalformedSignature => MalformedSignature,
        _ => SignatureMismatch,
    };
}

/// <summary>
/// The receiver's span source and instruments (names in <see cref="DocMapWebhookTelemetry"/>), one per
/// <see cref="IMeterFactory"/> (a singleton of the app's container). Per delivery, see
/// <see cref="DocMapWebhookDeliveryTelemetry"/>.
/// </summary>
/// <remarks>
/// The package has one <see cref="ActivitySource"/> and one <see cref="System.Diagnostics.Metrics.Meter"/>, both named
/// after it: the inbox lives in this package too, so its instruments (gauges, processing attempts, missed deliveries)
/// and its worker spans go on <see cref="Meter"/> and <see cref="Source"/> next to these, and users add one source and
/// one meter for the whole receiver.
/// </remarks>
internal sealed class DocMapWebhookInstruments
{
    public const string SpanName = "ReceiveWebhook";
    public const string DeliveriesName = "docmap.webhook.deliveries";
    public const string HandlerDurationName = "docmap.webhook.handler.duration";
    public const string BodySizeName = "docmap.webhook.body.size";

    public const string EventTag = "docmap.webhook.event";
    public const string OutcomeTag = "docmap.webhook.outcome";
    public const string RejectionReasonTag = "docmap.webhook.rejection_reason";
    public const string ExtractionIdTag = "docmap.extraction.id";
    public const string ErrorTypeTag = "error.type";
    public const string BodySizeTag = "http.request.body.size";

    /// <summary>The metric value of an event type DocMap does not document (keeps the tag's values bounded).</summary>
    public const string OtherEventType = "_OTHER";

    /// <summary>The longest body-derived value (event type, extraction id) a span carries.</summary>
    public const int MaxSpanValueLength = 128;

    private static readonly string Version = typeof(DocMapWebhookInstruments).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>The receiver's spans. Static: an <see cref="ActivitySource"/> has no factory.</summary>
    public static readonly ActivitySource Source = new(DocMapWebhookTelemetry.ActivitySourceName, Version);

    private static readonly string CompletedType = WebhookEventType.ExtractionCompleted.ToString();
    private static readonly string FailedType = WebhookEventType.ExtractionFailed.ToString();

    /// <summary>Seconds: OpenTelemetry's HTTP duration buckets (DocMap gives up on a delivery after 10 seconds).</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Bytes: powers of two from 256 bytes to 16 MiB.</summary>
    private static readonly int[] SizeBuckets = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 4194304, 16777216];

    public DocMapWebhookInstruments(IMeterFactory? meterFactory)
    {
        var options = new MeterOptions(DocMapWebhookTelemetry.MeterName) { Version = Version };
        var meter = meterFactory?.Create(options) ?? new Meter(options);
        Meter = meter;
        Deliveries = meter.CreateCounter<long>(
            DeliveriesName,
            unit: "{delivery}",
            description: "DocMap webhook deliveries received, by outcome (verified, rejected, too_large, invalid, timed_out, aborted, handler_failed, duplicate, unavailable, error).");
        HandlerDuration = meter.CreateHistogram(
            HandlerDurationName,
            unit: "s",
            description: "How long the webhook handler ran for a verified delivery.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        BodySize = meter.CreateHistogram(
            BodySizeName,
            unit: "By",
            description: "Size of the DocMap webhook bodies read whole.",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = SizeBuckets });
    }

    /// <summary>The package's meter (from the app's <see cref="IMeterFactory"/>), for the instruments of the rest of the package.</summary>
    public Meter Meter { get; }

    public Counter<long> Deliveries { get; }

    public Histogram<double> HandlerDuration { get; }

    public Histogram<int> BodySize { get; }

    /// <summary>Whether anybody listens to the spans or to any instrument; checked once per delivery.</summary>
    public bool IsEnabled => Source.HasListeners() || Deliveries.Enabled || HandlerDuration.Enabled || BodySize.Enabled;

    /// <summary>The metric value of an event type: DocMap's documented types as they are, anything else as <see cref="OtherEventType"/>.</summary>
    public static string BoundedEventType(WebhookEventType type) => BoundedEventType(type.ToString());

    /// <summary>The metric value of an event type's wire value (see <see cref="BoundedEventType(WebhookEventType)"/>).</summary>
    public static string BoundedEventType(string? type) =>
        type == CompletedType ? CompletedType : type == FailedType ? FailedType : OtherEventType;

    /// <summary>A body-derived value cut to <see cref="MaxSpanValueLength"/> characters, for a span.</summary>
    public static string Cap(string value) =>
        value.Length <= MaxSpanValueLength ? value : value[..MaxSpanValueLength];
}

/// <summary>
/// The telemetry of one delivery: its <c>ReceiveWebhook</c> span and its measurements. <see cref="Start"/> it when the
/// delivery's processing begins (<see langword="null"/> when nobody listens, so a delivery pays one check and no
/// allocation: call it as <c>delivery?.End(...)</c>), then end it once with <see cref="End"/> (or <see cref="Rejected"/>),
/// or, for a verified delivery, <see cref="Verified"/>, <see cref="StartHandler"/> and <see cref="EndHandler"/>. Calls after
/// the end do nothing, so the stage that learns the outcome first records it. Not thread-safe: one delivery's stages
/// run one after another.
/// </summary>
internal sealed class DocMapWebhookDeliveryTelemetry
{
    private readonly DocMapWebhookInstruments _instruments;
    private readonly Activity? _activity;
    private string? _eventType;
    private long _handlerStarted;
    private int _bodyLength = -1;
    private bool _handlerRunning;
    private bool _ended;

    private DocMapWebhookDeliveryTelemetry(DocMapWebhookInstruments instruments, Activity? activity)
    {
        _instruments = instruments;
        _activity = activity;
    }

    /// <summary>The delivery's span, or <see langword="null"/> (nobody listens to spans, or the sampler dropped it).</summary>
    public Activity? Activity => _activity;

    /// <summary>Whether the delivery has not ended yet.</summary>
    public bool IsRecording => !_ended;

    /// <summary>
    /// Starts a delivery's telemetry, or returns <see langword="null"/> when nobody listens: a <c>ReceiveWebhook</c> span
    /// (Internal, a child of the current activity, which is ASP.NET Core's request span) when spans are listened to,
    /// current for the rest of the calling async method.
    /// </summary>
    public static DocMapWebhookDeliveryTelemetry? Start(DocMapWebhookInstruments instruments) =>
        instruments.IsEnabled
            ? new DocMapWebhookDeliveryTelemetry(instruments, DocMapWebhookInstruments.Source.StartActivity(DocMapWebhookInstruments.SpanName, ActivityKind.Internal))
            : null;

    /// <summary>The body verified and parsed: the span gets the event type and extraction id (span only, never a metric).</summary>
    public void Verified(WebhookEvent webhookEvent, int bodyLength)
    {
        _bodyLength = bodyLength;
        _eventType = DocMapWebhookInstruments.BoundedEventType(webhookEvent.Type);
        if (_activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(DocMapWebhookInstruments.EventTag, Cap(webhookEvent.Type.ToString()));
            if (webhookEvent.ExtractionId is { } extractionId)
            {
                activity.SetTag(DocMapWebhookInstruments.ExtractionIdTag, Cap(extractionId));
            }
        }
    }

    /// <summary>The signature did not verify (401). <paramref name="bodyLength"/> is -1 when the body was not read.</summary>
    public void Rejected(WebhookSignatureFailureReason reason, int bodyLength) =>
        End(DocMapWebhookOutcomes.Rejected, DocMapWebhookRejectionReasons.Of(reason), bodyLength);

    /// <summary>
    /// An exception leaves the receiver's processing: ends the delivery (if it has not ended) with outcome
    /// <see cref="DocMapWebhookOutcomes.Error"/> and the exception's type. Returns <see langword="false"/>, for an
    /// exception filter that lets the exception go on.
    /// </summary>
    public bool Failed(Exception exception)
    {
        End(DocMapWebhookOutcomes.Error, null, -1, exception.GetType().FullName);
        return false;
    }

    /// <summary>
    /// The handler (or whatever runs for a verified delivery) starts: its duration is measured from here, and the span
    /// becomes <see cref="System.Diagnostics.Activity.Current"/> for the rest of the calling async method, so the
    /// handler's own spans are its children. Only the first call counts.
    /// </summary>
    public void StartHandler()
    {
        if (_ended || _handlerRunning)
        {
            return;
        }

        _handlerRunning = true;
        if (_activity is not null)
        {
            Activity.Current = _activity;
        }

        if (_instruments.HandlerDuration.Enabled)
        {
            _handlerStarted = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// The inbox records the delivery: the span becomes <see cref="System.Diagnostics.Activity.Current"/> for the rest of
    /// the calling async method (so the store's own spans are its children, and the message's <c>TraceParent</c> names
    /// it); nothing is timed as a handler, because no handler runs in the request.
    /// </summary>
    public void StartAccept()
    {
        if (!_ended && _activity is not null)
        {
            Activity.Current = _activity;
        }
    }

    /// <summary>
    /// The handler ended: <see cref="DocMapWebhookOutcomes.Verified"/>, <see cref="DocMapWebhookOutcomes.HandlerFailed"/>
    /// (with <paramref name="errorType"/>: the exception's type, or the 5xx status) or
    /// <see cref="DocMapWebhookOutcomes.Aborted"/>. Records the handler's duration, then ends the delivery.
    /// </summary>
    public void EndHandler(string outcome, string? errorType)
    {
        if (_ended)
        {
            return;
        }

        if (_handlerStarted != 0 && _instruments.HandlerDuration.Enabled)
        {
            var tags = new TagList
            {
                { DocMapWebhookInstruments.EventTag, _eventType },
                { DocMapWebhookInstruments.OutcomeTag, outcome },
            };
            _instruments.HandlerDuration.Record(Stopwatch.GetElapsedTime(_handlerStarted).TotalSeconds, tags);
        }

        End(outcome, null, -1, errorType);
    }

    /// <summary>
    /// Ends the delivery with its outcome: counts it, records the body's size when it was read whole
    /// (<paramref name="bodyLength"/> at least 0, or the length given to <see cref="Verified"/>), and ends the span.
    /// Later calls do nothing.
    /// </summary>
    public void End(string outcome, string? reason = null, int bodyLength = -1, string? errorType = null)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (bodyLength < 0)
        {
            bodyLength = _bodyLength;
        }

        if (_activity is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(DocMapWebhookInstruments.OutcomeTag, outcome);
                if (reason is not null)
                {
                    activity.SetTag(DocMapWebhookInstruments.RejectionReasonTag, reason);
                }

                if (bodyLength >= 0)
                {
                    activity.SetTag(DocMapWebhookInstruments.BodySizeTag, bodyLength);
                }

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

        var instruments = _instruments;
        if (instruments.Deliveries.Enabled)
        {
            var tags = new TagList { { DocMapWebhookInstruments.OutcomeTag, outcome } };
            if (reason is not null)
            {
                tags.Add(DocMapWebhookInstruments.RejectionReasonTag, reason);
            }

            if (_eventType is not null)
            {
                tags.Add(DocMapWebhookInstruments.EventTag, _eventType);
            }

            instruments.Deliveries.Add(1, tags);
        }

        if (bodyLength >= 0 && instruments.BodySize.Enabled)
        {
            var tags = new TagList { { DocMapWebhookInstruments.OutcomeTag, outcome } };
            if (_eventType is not null)
            {
                tags.Add(DocMapWebhookInstruments.EventTag, _eventType);
            }

            instruments.BodySize.Record(bodyLength, tags);
        }
    }

    private static string Cap(string value) => DocMapWebhookInstruments.Cap(value);
}

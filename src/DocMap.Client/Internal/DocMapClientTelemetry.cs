using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;

namespace DocMap.Client.Internal;

/// <summary>The four calls of <see cref="IDocMapApi"/>, as spans and metrics name them.</summary>
internal enum DocMapOperation
{
    CreateWebhook,
    ListDeliveries,
    ListWebhooks,
    DeleteWebhook,
}

/// <summary>
/// The client's traces and metrics (names in <see cref="DocMapTelemetry"/>): one span of kind Client per call, the
/// parent of the HTTP spans .NET emits per attempt, and the instruments <c>docmap.client.operation.duration</c> and
/// <c>docmap.client.retries</c>. One instance per <see cref="IMeterFactory"/> (dependency injection) or
/// <see cref="Shared"/> (the static meter of <see cref="DocMapClient.Create(string, DocMapClientOptions?)"/>). When
/// nobody listens (<see cref="IsEnabled"/> false) a call runs exactly as without telemetry. Tags never carry the API
/// key, a secret or a body; metric tags have bounded values (unknown error codes become <c>_OTHER</c>, no ids).
/// </summary>
internal sealed class DocMapClientTelemetry
{
    public const string OperationDurationName = "docmap.client.operation.duration";
    public const string RetriesName = "docmap.client.retries";

    // Attribute names: OpenTelemetry semantic conventions where one exists, docmap.* for our own.
    public const string HttpRequestMethod = "http.request.method";
    public const string UrlTemplate = "url.template";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string HttpRequestResendCount = "http.request.resend_count";
    public const string ErrorType = "error.type";
    public const string DocMapErrorCode = "docmap.error_code";
    public const string DocMapOperationTag = "docmap.operation";
    public const string DocMapOutcome = "docmap.outcome";
    public const string DocMapWebhookId = "docmap.webhook.id";

    /// <summary>The values of <c>docmap.outcome</c>.</summary>
    public static class Outcomes
    {
        public const string Success = "success";
        public const string ApiError = "api_error";
        public const string InvalidResponse = "invalid_response";
        public const string Timeout = "timeout";
        public const string TransportError = "transport_error";
        public const string Canceled = "canceled";
        public const string Error = "error";
    }

    /// <summary>The error code of a metric when DocMap answered one it does not document (keeps the tag's values bounded).</summary>
    public const string OtherErrorCode = "_OTHER";

    /// <summary>The longest error code a span carries (a server could send any text).</summary>
    private const int MaxSpanErrorCodeLength = 64;

    private static readonly string Version = typeof(DocMapClientTelemetry).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>The client's spans. Static: an <see cref="ActivitySource"/> has no factory.</summary>
    public static readonly ActivitySource Source = new(DocMapTelemetry.ActivitySourceName, Version);

    private static readonly string[] OperationNames = ["CreateWebhook", "ListDeliveries", "ListWebhooks", "DeleteWebhook"];
    private static readonly string[] OperationMethods = ["POST", "GET", "GET", "DELETE"];
    private static readonly string[] OperationTemplates = [DocMapRoutes.Webhooks, DocMapRoutes.Deliveries, DocMapRoutes.Webhooks, DocMapRoutes.Webhook];

    private static readonly HashSet<string> DocumentedErrorCodes = new(StringComparer.Ordinal)
    {
        DocMapErrorCodes.MaxWebhooksReached, DocMapErrorCodes.ValidationError, DocMapErrorCodes.Unauthorized,
        DocMapErrorCodes.KeyExpired, DocMapErrorCodes.Forbidden, DocMapErrorCodes.NotFound,
        DocMapErrorCodes.UsageLimitExceeded, DocMapErrorCodes.InternalError, DocMapErrorCodes.NotConfigured,
        DocMapErrorCodes.ExtractionFailed, DocMapErrorCodes.ExtractionParseError,
    };

    /// <summary>Bucket boundaries in seconds: OpenTelemetry's for HTTP durations, plus 30 and 60 for calls that retried.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    private static DocMapClientTelemetry? s_shared;

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a static meter when it is <see langword="null"/>.</summary>
    public DocMapClientTelemetry(IMeterFactory? meterFactory)
    {
        var options = new MeterOptions(DocMapTelemetry.MeterName) { Version = Version };
        var meter = meterFactory?.Create(options) ?? new Meter(options);
        _duration = meter.CreateHistogram(
            OperationDurationName,
            unit: "s",
            description: "Duration of DocMap API calls, retries and the waits between them included.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _retries = meter.CreateCounter<long>(
            RetriesName,
            unit: "{retry}",
            description: "Attempts of DocMap API calls that the built-in resilience retried.");
    }

    /// <summary>The telemetry of clients made without dependency injection (a static meter, created on first use).</summary>
    public static DocMapClientTelemetry Shared =>
        Volatile.Read(ref s_shared) ?? Interlocked.CompareExchange(ref s_shared, new DocMapClientTelemetry(null), null) ?? s_shared!;

    /// <summary>Whether anybody listens to the spans or to either instrument; when not, calls are not wrapped at all.</summary>
    public bool IsEnabled => Source.HasListeners() || _duration.Enabled || _retries.Enabled;

    public static string NameOf(DocMapOperation operation) => OperationNames[(int)operation];

    /// <summary>
    /// Runs one call inside its span and measurements. The span is started before <paramref name="call"/> runs, so the
    /// HTTP spans of its attempts are its children; the per-call state (<see cref="DocMapCallTracker"/>) flows to the
    /// handlers through the async context and ends with this method.
    /// </summary>
    public async Task<TResult> TraceAsync<TState, TResult>(DocMapOperation operation, DocMapServer server, string? webhookId, TState state, Func<TState, Task<TResult>> call)
    {
        var tracker = DocMapCallTracker.Enter(this, operation);
        var started = _duration.Enabled ? Stopwatch.GetTimestamp() : 0;
        var activity = Source.StartActivity(OperationNames[(int)operation], ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DocMapOperationTag, OperationNames[(int)operation]);
            activity.SetTag(HttpRequestMethod, OperationMethods[(int)operation]);
            activity.SetTag(UrlTemplate, OperationTemplates[(int)operation]);
            activity.SetTag(ServerAddress, server.Address);
            if (server.Port is not null)
            {
                activity.SetTag(ServerPort, server.Port);
            }

            if (webhookId is not null)
            {
                activity.SetTag(DocMapWebhookId, webhookId);
            }
        }

        try
        {
            var result = await call(state).ConfigureAwait(false);
            Complete(tracker, activity, started, null);
            return result;
        }
        catch (Exception ex)
        {
            Complete(tracker, activity, started, ex);
            throw;
        }
    }

    /// <summary>Counts one retry of the built-in policy: the attempt that failed is told by its status or error type.</summary>
    public void RecordRetry(DocMapOperation operation, int statusCode, Exception? exception)
    {
        if (!_retries.Enabled)
        {
            return;
        }

        var tags = new TagList { { DocMapOperationTag, OperationNames[(int)operation] } };
        if (statusCode != 0)
        {
            tags.Add(HttpResponseStatusCode, statusCode);
        }
        else if (exception is not null)
        {
            tags.Add(ErrorType, exception is Polly.Timeout.TimeoutRejectedException ? typeof(TimeoutException).FullName : exception.GetType().FullName);
        }

        _retries.Add(1, tags);
    }

    /// <summary>The metric value of an error code: documented codes as they are, any other as <see cref="OtherErrorCode"/>.</summary>
    public static string BoundedErrorCode(string errorCode) => DocumentedErrorCodes.Contains(errorCode) ? errorCode : OtherErrorCode;

    private void Complete(DocMapCallTracker tracker, Activity? activity, long started, Exception? exception)
    {
        var statusCode = tracker.StatusCode;
        string outcome;
        string? errorType = null;
        string? errorCode = null;
        switch (exception)
        {
            case null:
                outcome = Outcomes.Success;
                break;
            case DocMapApiException api:
                statusCode = (int)api.StatusCode;
                errorCode = api.ErrorCode;
                if (statusCode is >= 200 and <= 299)
                {
                    // A 2xx whose body is not the documented JSON, or too large: no status tells this error apart.
                    outcome = Outcomes.InvalidResponse;
                    errorType = typeof(DocMapApiException).FullName;
                }
                else
                {
                    outcome = Outcomes.ApiError;
                    errorType = statusCode.ToString(CultureInfo.InvariantCulture);
                }

                break;
            default:
                outcome = exception switch
                {
                    TimeoutException => Outcomes.Timeout,
                    OperationCanceledException => Outcomes.Canceled,
                    HttpRequestException => Outcomes.TransportError,
                    _ => Outcomes.Error,
                };
                errorType = exception.GetType().FullName;

                // Only an answer DocMap gave tells the call's status; a status seen before a timeout is not the call's.
                statusCode = 0;
                break;
        }

        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(DocMapOutcome, outcome);
                if (statusCode != 0)
                {
                    activity.SetTag(HttpResponseStatusCode, statusCode);
                }

                if (errorCode is not null)
                {
                    activity.SetTag(DocMapErrorCode, errorCode.Length <= MaxSpanErrorCodeLength ? errorCode : errorCode[..MaxSpanErrorCodeLength]);
                }

                if (tracker.Retries > 0)
                {
                    activity.SetTag(HttpRequestResendCount, tracker.Retries);
                }

                if (errorType is not null)
                {
                    activity.SetTag(ErrorType, errorType);
                }
            }

            if (errorType is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Dispose();
        }

        if (started != 0 && _duration.Enabled)
        {
            var tags = new TagList
            {
                { DocMapOperationTag, OperationNames[(int)tracker.Operation] },
                { DocMapOutcome, outcome },
            };
            if (statusCode != 0)
            {
                tags.Add(HttpResponseStatusCode, statusCode);
            }

            if (errorCode is not null)
            {
                tags.Add(DocMapErrorCode, BoundedErrorCode(errorCode));
            }

            if (errorType is not null)
            {
                tags.Add(ErrorType, errorType);
            }

            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }
}

/// <summary>The <c>server.address</c> and <c>server.port</c> (only when not the scheme's default) of a client's base address.</summary>
internal sealed class DocMapServer
{
    public DocMapServer(Uri? baseAddress)
    {
        Address = baseAddress is { IsAbsoluteUri: true } ? baseAddress.IdnHost : "?";
        Port = baseAddress is { IsAbsoluteUri: true, IsDefaultPort: false } ? baseAddress.Port : null;
    }

    public string Address { get; }

    /// <summary>Boxed once per client, so spans do not box it per call.</summary>
    public object? Port { get; }
}

/// <summary>
/// What the handlers of one traced call tell its span and metrics (the status of the final answer, the retries),
/// found through the async context: <see cref="DocMapClientTelemetry.TraceAsync"/> sets it, and it ends with that
/// method. Untraced calls (nobody listening) see <see langword="null"/>, after one static read while no call was ever traced.
/// </summary>
internal sealed class DocMapCallTracker
{
    private static readonly AsyncLocal<DocMapCallTracker?> CurrentCall = new();
    private static volatile bool s_everTraced;

    private DocMapCallTracker(DocMapClientTelemetry telemetry, DocMapOperation operation)
    {
        Telemetry = telemetry;
        Operation = operation;
    }

    public DocMapClientTelemetry Telemetry { get; }

    public DocMapOperation Operation { get; }

    /// <summary>The status of the last answer that reached the outermost handler, 0 before one did.</summary>
    public int StatusCode { get; set; }

    /// <summary>How many times the built-in policy retried the call.</summary>
    public int Retries { get; private set; }

    /// <summary>The traced call running in this async context, if any.</summary>
    public static DocMapCallTracker? Current => s_everTraced ? CurrentCall.Value : null;

    /// <summary>Makes a tracker current for the rest of the calling async method (and what it awaits).</summary>
    public static DocMapCallTracker Enter(DocMapClientTelemetry telemetry, DocMapOperation operation)
    {
        var tracker = new DocMapCallTracker(telemetry, operation);
        s_everTraced = true;
        CurrentCall.Value = tracker;
        return tracker;
    }

    /// <summary>Called by the retry policy before each retry, with the attempt that failed.</summary>
    public void OnRetry(HttpResponseMessage? response, Exception? exception)
    {
        Retries++;
        Telemetry.RecordRetry(Operation, response is null ? 0 : (int)response.StatusCode, exception);
    }
}

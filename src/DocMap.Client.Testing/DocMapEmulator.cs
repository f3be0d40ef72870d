using System.Net;
using System.Security.Cryptography;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// A DocMap you run yourself: serves the webhooks API (create, list, delete, delivery log) with state on 127.0.0.1,
/// and sends signed deliveries to the registered webhooks on <see cref="TriggerAsync"/>, the way DocMap does. For
/// samples, for your .NET tests, and, through its control API under <c>/_emulator/</c>, for test suites in any language
/// (docs/emulator.md). Runs on Kestrel inside your process. Thread-safe.
/// </summary>
/// <remarks>
/// Behaviour follows DocMap's documentation: <c>{"data": ...}</c> and <c>{"error":{"code","message"}}</c> envelopes,
/// bearer authentication (401 <c>UNAUTHORIZED</c>), at most 10 active webhooks (400 <c>MAX_WEBHOOKS_REACHED</c>),
/// a fresh 64-hex secret per webhook, deliveries signed with HMAC-SHA256 in the <c>X-DocMap-Signature</c> header,
/// one attempt each with a 10-second timeout. Plain <c>http</c> webhook URLs are accepted, as in DocMap's development
/// mode. The key, port, secrets, signature scheme and log bounds are settings (<see cref="DocMapEmulatorOptions"/>).
/// </remarks>
public sealed class DocMapEmulator : IAsyncDisposable
{
    /// <summary>The most active webhooks one user may have, as in DocMap.</summary>
    internal const int MaxActiveWebhooks = 10;

    private readonly EmulatorState _state;
    private readonly FaultQueue _faults = new();
    private readonly EmulatorServer _server;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private DocMapEmulator(EmulatorSettings settings)
    {
        ApiKey = settings.ApiKey;
        UserId = "usr_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        _state = new EmulatorState(settings, UserId);
        Dispatcher = new DeliveryDispatcher(settings, _state);

        var key = new BearerKey(settings.ApiKey);
        var api = new ApiRoutes(settings, _state, _faults, key);
        var control = new ControlRoutes(this, settings, _state, _faults, key, api);
        try
        {
            _server = EmulatorServer.Start(
                settings.Port,
                routes =>
                {
                    api.Map(routes);
                    control.Map(routes);
                },
                api.NotFoundAsync,
                () => Volatile.Read(ref _disposed) != 0);
        }
        catch
        {
            Dispatcher.Dispose();
            throw;
        }

        Url = _server.Url;
    }

    /// <summary>The emulator's base address, for example <c>http://127.0.0.1:49731/</c> (loopback only).</summary>
    public Uri Url { get; }

    /// <summary>
    /// The API key the emulator accepts: <see cref="DocMapEmulatorOptions.ApiKey"/>, or by default <c>dm_test_</c>
    /// followed by 64 random hex characters, fresh per emulator. Any other key gets 401 <c>UNAUTHORIZED</c>.
    /// </summary>
    public string ApiKey { get; }

    /// <summary>The id of the emulator's single user, found in webhooks, deliveries and default extractions.</summary>
    public string UserId { get; }

    /// <summary>
    /// A snapshot of the request log, oldest first: every request to the DocMap API (and to unknown routes) since the
    /// start or the last <see cref="Reset"/>, at most <see cref="DocMapEmulatorOptions.MaxRequestLogEntries"/> (the oldest
    /// are dropped). Control API calls (<c>/_emulator/</c>) are not recorded.
    /// </summary>
    public IReadOnlyList<ReceivedRequest> Requests => _state.RequestsOldestFirst();

    /// <summary>
    /// A snapshot of the delivery log, oldest first: every delivery attempt since the start or the last
    /// <see cref="Reset"/>, at most <see cref="DocMapEmulatorOptions.MaxDeliveryLogEntries"/> (the oldest are dropped),
    /// each payload as kept (cut past <see cref="DocMapEmulatorOptions.MaxLoggedBodyBytes"/>, see
    /// <see cref="EmulatedDelivery.PayloadTruncated"/>).
    /// </summary>
    public IReadOnlyList<EmulatedDelivery> Deliveries
    {
        get
        {
            var records = _state.DeliveriesOldestFirst();
            var list = new EmulatedDelivery[records.Length];
            for (var i = 0; i < list.Length; i++)
            {
                var r = records[i];
                list[i] = r.ToEmulatedDelivery(TimeSpan.FromMilliseconds(r.Entry.DurationMs), r.Payload.Text, r.Payload.Truncated);
            }

            return list;
        }
    }

    /// <summary>The delivery sender (shared with the control API).</summary>
    internal DeliveryDispatcher Dispatcher { get; }

    /// <summary>Starts an emulator on 127.0.0.1 (a free port unless <see cref="DocMapEmulatorOptions.Port"/> says otherwise).</summary>
    /// <param name="options">Settings; <see langword="null"/> for DocMap's behaviour.</param>
    /// <returns>The running emulator. Dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">
    /// A setting is invalid (an <see cref="ArgumentOutOfRangeException"/> for one out of its range); the parameter is
    /// <paramref name="options"/> and the message names the setting.
    /// </exception>
    /// <exception cref="IOException">The port set in <see cref="DocMapEmulatorOptions.Port"/> is in use.</exception>
    public static DocMapEmulator Start(DocMapEmulatorOptions? options = null) =>
        new((options ?? new DocMapEmulatorOptions()).Validate());

    /// <summary>
    /// Creates a DocMap client pointed at this emulator with its <see cref="ApiKey"/>: the same client
    /// (<see cref="DocMapClient.Create(string, DocMapClientOptions?)"/>, with retries, timeouts and typed errors) your
    /// code uses against DocMap. The client needs no disposal.
    /// </summary>
    /// <param name="configure">
    /// Optionally adjusts the client's options after <see cref="DocMapClientOptions.BaseAddress"/> is set to
    /// <see cref="Url"/>, for example shorter <see cref="DocMapClientOptions.RetryBaseDelay"/> in tests.
    /// </param>
    /// <returns>The client.</returns>
    /// <exception cref="ArgumentException">The adjusted options are invalid (the message names the setting).</exception>
    /// <exception cref="ObjectDisposedException">The emulator was disposed.</exception>
    public IDocMapApi CreateClient(Action<DocMapClientOptions>? configure = null)
    {
        ThrowIfDisposed();
        var options = new DocMapClientOptions { BaseAddress = Url };
        configure?.Invoke(options);
        return DocMapClient.Create(ApiKey, options);
    }

    /// <summary>
    /// Registers a webhook with a secret you chose, as if created through DocMap's API: for testing a receiver that
    /// is already configured with that secret (a running app, another process), then <see cref="TriggerAsync"/>.
    /// The 10-active-webhook limit applies.
    /// </summary>
    /// <param name="url">The receiver's absolute http or https URL.</param>
    /// <param name="secret">The secret its deliveries are signed with (the receiver's configured secret).</param>
    /// <param name="events">The events it is subscribed to; none for both <c>extraction.completed</c> and <c>extraction.failed</c>.</param>
    /// <returns>The webhook's id (as in <c>GET /v1/webhooks</c> and the delivery log).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> or <paramref name="secret"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not an absolute http(s) URL, or an event is unknown or default.</exception>
    /// <exception cref="InvalidOperationException">10 webhooks are active already (DocMap's limit).</exception>
    /// <exception cref="ObjectDisposedException">The emulator was disposed.</exception>
    public string RegisterWebhook(string url, WebhookSecret secret, params WebhookEventType[] events)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(events);
        ThrowIfDisposed();
        if (WebhookInput.ValidateUrl(url) is { } urlError)
        {
            throw new ArgumentException(urlError, nameof(url));
        }

        var names = events.Length == 0 ? null : events.Select(e => e.Value).ToArray();
        var validated = WebhookInput.ValidateEvents(names, required: false, out var eventsError) ??
            throw new ArgumentException(eventsError, nameof(events));
        var added = _state.TryAddWebhook(url, validated, secret, secretText: null) ??
            throw new InvalidOperationException($"At most {MaxActiveWebhooks} webhooks can be active; delete one first.");
        return added.Webhook.Id;
    }

    /// <summary>How many requests have been routed to an endpoint (including rejected and fault-injected ones) since the start or the last <see cref="Reset"/>.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>The count so far (counted apart from the bounded request log, so it never drops).</returns>
    public int GetRequestCount(DocMapEndpoint endpoint) =>
        Enum.IsDefined(endpoint) ? _state.GetRequestCount(endpoint) : 0;

    /// <summary>
    /// Makes the next <paramref name="count"/> calls of <paramref name="endpoint"/> fail with
    /// <paramref name="statusCode"/> and DocMap's error envelope, before authentication and without touching state
    /// (a failed create creates nothing). Successive calls queue up in order.
    /// </summary>
    /// <param name="endpoint">The endpoint to fail.</param>
    /// <param name="count">How many calls fail, at least 1.</param>
    /// <param name="statusCode">The status to answer, 400–599 (for example 503, or 429 with <paramref name="retryAfter"/>).</param>
    /// <param name="retryAfter">When set, a <c>Retry-After</c> header in whole seconds (rounded up), at most one day.</param>
    /// <param name="errorCode">
    /// The error code in the body; <see langword="null"/> picks DocMap's code for the status
    /// (429 <c>USAGE_LIMIT_EXCEEDED</c>, 401 <c>UNAUTHORIZED</c>, 403 <c>FORBIDDEN</c>, 404 <c>NOT_FOUND</c>,
    /// 400 <c>VALIDATION_ERROR</c>, 501 <c>NOT_CONFIGURED</c>, 502 <c>EXTRACTION_FAILED</c>, otherwise <c>INTERNAL_ERROR</c>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="errorCode"/> is empty or longer than 100 characters.</exception>
    public void FailNext(DocMapEndpoint endpoint, int count, HttpStatusCode statusCode, TimeSpan? retryAfter = null, string? errorCode = null)
    {
        if (FaultQueue.Validate(endpoint, count, (int)statusCode, retryAfter, errorCode) is { } problem)
        {
            object? value = problem.Name switch
            {
                "endpoint" => endpoint,
                "count" => count,
                "statusCode" => statusCode,
                "retryAfter" => retryAfter,
                _ => null,
            };
            throw problem.Name == "errorCode"
                ? new ArgumentException(problem.Message, problem.Name)
                : new ArgumentOutOfRangeException(problem.Name, value, problem.Message);
        }

        _faults.Add(endpoint, count, (int)statusCode, retryAfter, errorCode);
    }

    /// <summary>
    /// Sends an event to every active webhook subscribed to it, as DocMap does: one POST per webhook with the JSON body
    /// <c>{"event","extractionId","createdAt","data":{extraction}}</c>, signed with that webhook's secret in the
    /// signature header (<see cref="DocMapEmulatorOptions.SignatureHeaderName"/>, <c>X-DocMap-Signature</c> by default),
    /// one attempt within the delivery timeout. Each attempt is recorded in the delivery log.
    /// </summary>
    /// <param name="eventType">The event, for example <see cref="WebhookEventType.ExtractionCompleted"/>.</param>
    /// <param name="extraction">
    /// The extraction the event is about; <see langword="null"/> for a sample invoice extraction. Missing
    /// <c>Id</c>, <c>UserId</c>, <c>Status</c> and <c>CreatedAt</c> are filled in.
    /// </param>
    /// <param name="cancellationToken">Cancels the whole trigger (not recorded as a failed delivery).</param>
    /// <returns>One result per webhook, in the order the webhooks were created, each with the full payload; empty when none is subscribed.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventType"/> is the default (empty) value.</exception>
    /// <exception cref="ObjectDisposedException">
    /// The emulator was disposed, before or during the call. A delivery cut short by disposal is not recorded (and never
    /// reported as a timeout): the call throws instead.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException"><see cref="DocMapEmulatorOptions.DeliveryHandlerFactory"/> returned <see langword="null"/>.</exception>
    public async Task<IReadOnlyList<EmulatedDelivery>> TriggerAsync(
        WebhookEventType eventType,
        ExtractionRecord? extraction = null,
        CancellationToken cancellationToken = default)
    {
        if (eventType.IsDefault)
        {
            throw new ArgumentException("An event type is required.", nameof(eventType));
        }

        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        var targets = _state.SubscribersOf(eventType.Value!);
        if (targets.Length == 0)
        {
            return [];
        }

        var payload = DeliveryPayload.FromRecord(eventType, extraction, UserId, DateTimeOffset.UtcNow);
        return await Dispatcher.DeliverAsync(targets, eventType, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forgets every webhook, delivery, logged request, request count and queued fault, as a fresh emulator would have
    /// none; the key, URL, user id and settings stay. For a class fixture that shares one emulator between tests. A
    /// delivery still in flight during the reset is not logged.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The emulator was disposed.</exception>
    public void Reset()
    {
        ThrowIfDisposed();
        _state.Reset();
        _faults.Clear();
    }

    /// <summary>
    /// Stops the server, cancels deliveries in flight and releases the port. Safe to call more than once, also
    /// concurrently: every call completes once the emulator has stopped.
    /// </summary>
    /// <returns>A task that completes when the emulator has stopped.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = StopAsync(); // completes _stopped, never throws
        }

        // Every call, the first and any later or concurrent one, waits for the same stop.
        return new ValueTask(_stopped.Task);
    }

    private async Task StopAsync()
    {
        try
        {
            Dispatcher.Dispose(); // first: a control-API trigger waiting on deliveries ends now, so the server stops at once
            await _server.DisposeAsync().ConfigureAwait(false);
            _stopped.TrySetResult();
        }
        catch (Exception ex)
        {
            _stopped.TrySetException(ex);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"DocMapEmulator({Url})";

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}

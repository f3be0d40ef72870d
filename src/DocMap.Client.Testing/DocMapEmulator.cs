using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WireMock;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace DocMap.Client.Testing;

/// <summary>
/// An in-process DocMap: serves the webhooks API (create, list, delete, delivery log) with state on a free loopback
/// port, and sends signed deliveries to the registered webhooks on <see cref="TriggerAsync"/>, the way DocMap does.
/// For samples and for testing your integration without an account. Thread-safe.
/// </summary>
/// <remarks>
/// Behaviour follows DocMap's documentation: <c>{"data": ...}</c> and <c>{"error":{"code","message"}}</c> envelopes,
/// bearer authentication (401 <c>UNAUTHORIZED</c>), at most 10 active webhooks (400 <c>MAX_WEBHOOKS_REACHED</c>),
/// a fresh 64-hex secret per webhook, deliveries signed with HMAC-SHA256 in the <c>X-DocMap-Signature</c> header,
/// one attempt each with a 10-second timeout. Plain <c>http</c> webhook URLs are accepted, as in DocMap's development mode.
/// </remarks>
public sealed class DocMapEmulator : IAsyncDisposable
{
    /// <summary>The most active webhooks one user may have, as in DocMap.</summary>
    internal const int MaxActiveWebhooks = 10;

    private const string ApiKeyPrefix = "dm_test_";
    private const int DefaultDeliveryLimit = 50;
    private const int MaxDeliveryLimit = 100;
    private const string WebhooksPath = "/v1/webhooks";
    private const string DeliveriesPath = "/v1/webhooks/deliveries";

    private static readonly TimeSpan MaxDeliveryTimeout = TimeSpan.FromMinutes(5);

    private readonly WireMockServer _server;
    private readonly Func<HttpMessageHandler>? _deliveryHandlerFactory;
    private HttpClient? _deliveryClient; // created on first delivery; read and written under _gate
    private readonly TimeSpan _deliveryTimeout;
    private readonly byte[] _apiKeyUtf8;

    private readonly Lock _gate = new();
    private readonly List<WebhookState> _webhooks = [];
    private readonly List<DeliveryDto> _deliveries = []; // oldest first
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Dictionary<DocMapEndpoint, Queue<Fault>> _faults = [];
    private int _disposed;

    private DocMapEmulator(DocMapEmulatorOptions options)
    {
        _deliveryTimeout = options.DeliveryTimeout;
        ApiKey = ApiKeyPrefix + RandomNumberGenerator.GetHexString(64, lowercase: true);
        _apiKeyUtf8 = Encoding.UTF8.GetBytes(ApiKey);
        UserId = "usr_" + RandomNumberGenerator.GetHexString(16, lowercase: true);

        _deliveryHandlerFactory = options.DeliveryHandlerFactory;

        _server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = ["http://127.0.0.1:0"],
            StartAdminInterface = false,
            DisableJsonBodyParsing = true,
            DisableRequestBodyDecompressing = true,
            MaxRequestLogCount = 16,
            Logger = new WireMockNullLogger(),
            PreWireMockMiddlewareInit = app => ((IApplicationBuilder)app).Use(RefuseWhenDisposed),
        });

        try
        {
            MapRoutes();
            Url = new Uri(_server.Urls.Single(), UriKind.Absolute);
        }
        catch
        {
            _server.Dispose();
            throw;
        }
    }

    /// <summary>The emulator's base address, for example <c>http://127.0.0.1:49731/</c> (loopback only).</summary>
    public Uri Url { get; }

    /// <summary>
    /// The API key the emulator accepts: <c>dm_test_</c> followed by 64 random hex characters, fresh per emulator.
    /// Any other key gets 401 <c>UNAUTHORIZED</c>.
    /// </summary>
    public string ApiKey { get; }

    /// <summary>The id of the emulator's single user, found in webhooks, deliveries and default extractions.</summary>
    public string UserId { get; }

    /// <summary>A snapshot of every request received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts an emulator on a free port of 127.0.0.1.</summary>
    /// <param name="options">Settings; <see langword="null"/> for DocMap's behaviour.</param>
    /// <returns>The running emulator. Dispose it to stop it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="DocMapEmulatorOptions.DeliveryTimeout"/> is not positive or exceeds 5 minutes.</exception>
    public static DocMapEmulator Start(DocMapEmulatorOptions? options = null)
    {
        options ??= new DocMapEmulatorOptions();
        if (options.DeliveryTimeout <= TimeSpan.Zero || options.DeliveryTimeout > MaxDeliveryTimeout)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.DeliveryTimeout,
                "DocMapEmulatorOptions.DeliveryTimeout must be positive and at most 5 minutes.");
        }

        return new DocMapEmulator(options);
    }

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
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var options = new DocMapClientOptions { BaseAddress = Url };
        configure?.Invoke(options);
        return DocMapClient.Create(ApiKey, options);
    }

    /// <summary>How many requests have been routed to an endpoint (including rejected and fault-injected ones).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>The count so far.</returns>
    public int GetRequestCount(DocMapEndpoint endpoint)
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var request in _requests)
            {
                if (request.Endpoint == endpoint)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> calls of <paramref name="endpoint"/> fail with
    /// <paramref name="statusCode"/> and DocMap's error envelope, before authentication and without touching state
    /// (a failed create creates nothing). Successive calls queue up in order.
    /// </summary>
    /// <param name="endpoint">The endpoint to fail.</param>
    /// <param name="count">How many calls fail, at least 1.</param>
    /// <param name="statusCode">The status to answer, 400–599 (for example 503, or 429 with <paramref name="retryAfter"/>).</param>
    /// <param name="retryAfter">When set, a <c>Retry-After</c> header in whole seconds (rounded up).</param>
    /// <param name="errorCode">
    /// The error code in the body; <see langword="null"/> picks DocMap's code for the status
    /// (429 <c>USAGE_LIMIT_EXCEEDED</c>, 401 <c>UNAUTHORIZED</c>, 403 <c>FORBIDDEN</c>, 404 <c>NOT_FOUND</c>,
    /// 400 <c>VALIDATION_ERROR</c>, 501 <c>NOT_CONFIGURED</c>, 502 <c>EXTRACTION_FAILED</c>, otherwise <c>INTERNAL_ERROR</c>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="errorCode"/> is empty.</exception>
    public void FailNext(DocMapEndpoint endpoint, int count, HttpStatusCode statusCode, TimeSpan? retryAfter = null, string? errorCode = null)
    {
        if (!Enum.IsDefined(endpoint))
        {
            throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Unknown DocMap endpoint.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if ((int)statusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A failure status must be between 400 and 599.");
        }

        if (retryAfter is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfter), delay, "Retry-After must be between zero and one day.");
        }

        if (errorCode is not null && string.IsNullOrWhiteSpace(errorCode))
        {
            throw new ArgumentException("An error code cannot be empty.", nameof(errorCode));
        }

        var fault = new Fault(count, (int)statusCode, errorCode ?? DefaultErrorCode((int)statusCode), retryAfter);
        lock (_gate)
        {
            if (!_faults.TryGetValue(endpoint, out var queue))
            {
                _faults[endpoint] = queue = new Queue<Fault>();
            }

            queue.Enqueue(fault);
        }
    }

    /// <summary>
    /// Sends an event to every active webhook subscribed to it, as DocMap does: one POST per webhook with the JSON body
    /// <c>{"event","extractionId","createdAt","data":{extraction}}</c>, signed with that webhook's secret in
    /// <c>X-DocMap-Signature</c>, one attempt within the delivery timeout. Each attempt is recorded in the delivery log.
    /// </summary>
    /// <param name="eventType">The event, for example <see cref="WebhookEventType.ExtractionCompleted"/>.</param>
    /// <param name="extraction">
    /// The extraction the event is about; <see langword="null"/> for a sample invoice extraction. Missing
    /// <c>Id</c>, <c>UserId</c>, <c>Status</c> and <c>CreatedAt</c> are filled in.
    /// </param>
    /// <param name="cancellationToken">Cancels the whole trigger (not recorded as a failed delivery).</param>
    /// <returns>One result per webhook, in the order the webhooks were created; empty when none is subscribed.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventType"/> is the default (empty) value.</exception>
    /// <exception cref="ObjectDisposedException">
    /// The emulator was disposed, before or during the call. A delivery cut short by disposal is not recorded (and never
    /// reported as a timeout): the call throws instead.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<EmulatedDelivery>> TriggerAsync(
        WebhookEventType eventType,
        ExtractionRecord? extraction = null,
        CancellationToken cancellationToken = default)
    {
        if (eventType.IsDefault)
        {
            throw new ArgumentException("An event type is required.", nameof(eventType));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var now = DateTimeOffset.UtcNow;
        var data = BuildExtraction(eventType, extraction, now);
        var payload = JsonSerializer.SerializeToUtf8Bytes(
            new DeliveryPayloadDto
            {
                Event = eventType.Value!,
                ExtractionId = data.Id,
                CreatedAt = FormatTimestamp(now),
                Data = data,
            },
            EmulatorJsonContext.Default.DeliveryPayloadDto);

        WebhookState[] targets;
        lock (_gate)
        {
            targets = _webhooks.Where(w => w.Events.Contains(eventType.Value!, StringComparer.Ordinal)).ToArray();
        }

        if (targets.Length == 0)
        {
            return [];
        }

        var http = GetDeliveryClient(); // a failing DeliveryHandlerFactory surfaces here, to the caller
        var attempts = new Task<EmulatedDelivery>[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            attempts[i] = DeliverAsync(http, targets[i], eventType, data.Id, payload, cancellationToken);
        }

        return await Task.WhenAll(attempts).ConfigureAwait(false);
    }

    /// <summary>Stops the server and releases its port. Safe to call more than once.</summary>
    /// <returns>A task that completes when the emulator has stopped.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _server.Stop();
            _server.Dispose();
            // _disposed is already set, so GetDeliveryClient cannot publish a client after this section has run:
            // either the client exists now and is disposed here, or its creator sees _disposed and disposes it itself.
            HttpClient? client;
            lock (_gate)
            {
                client = _deliveryClient;
                _deliveryClient = null;
            }

            client?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"DocMapEmulator({Url})";

    // WireMock's Stop does not close keep-alive connections that are already open, so a client could keep talking
    // to a disposed emulator. Abort such requests: after disposal nothing answers.
    private Task RefuseWhenDisposed(HttpContext context, Func<Task> next)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            context.Abort();
            return Task.CompletedTask;
        }

        return next();
    }

    /// <summary>
    /// The delivery client, created on first use. The handler factory runs outside the lock; the client is published
    /// under it, and only while the emulator is not disposed, so <see cref="DisposeAsync"/> never misses one.
    /// </summary>
    private HttpClient GetDeliveryClient()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_deliveryClient is not null)
            {
                return _deliveryClient;
            }
        }

        var created = CreateDeliveryClient(_deliveryHandlerFactory);
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 0 && _deliveryClient is null)
            {
                return _deliveryClient = created;
            }

            if (Volatile.Read(ref _disposed) == 0)
            {
                // Another caller published one first: use it and drop ours (outside the lock).
                var existing = _deliveryClient!;
                created.Dispose();
                return existing;
            }
        }

        created.Dispose();
        throw new ObjectDisposedException(GetType().FullName);
    }

    private static HttpClient CreateDeliveryClient(Func<HttpMessageHandler>? handlerFactory)
    {
        HttpClient client;
        if (handlerFactory is not null)
        {
            var handler = handlerFactory() ??
                throw new InvalidOperationException("DocMapEmulatorOptions.DeliveryHandlerFactory returned null.");
            client = new HttpClient(handler, disposeHandler: false);
        }
        else
        {
            client = new HttpClient(
                new SocketsHttpHandler
                {
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                },
                disposeHandler: true);
        }

        client.Timeout = Timeout.InfiniteTimeSpan; // the per-attempt timeout is the emulator's own
        client.DefaultRequestHeaders.UserAgent.ParseAdd("DocMap-Emulator/1.0");
        return client;
    }

    private static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string DefaultErrorCode(int status) => status switch
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

    private static string DefaultMessage(int status) => status switch
    {
        429 => "Usage limit exceeded. Retry later.",
        503 => "The service is temporarily unavailable.",
        _ => $"Injected failure (HTTP {status.ToString(CultureInfo.InvariantCulture)}).",
    };

    private ExtractionDto BuildExtraction(WebhookEventType eventType, ExtractionRecord? extraction, DateTimeOffset now)
    {
        var failed = eventType == WebhookEventType.ExtractionFailed;
        var id = extraction?.Id is { Length: > 0 } given ? given : "ext_" + RandomNumberGenerator.GetHexString(20, lowercase: true);
        var status = extraction?.Status ?? (failed ? "failed" : "completed");
        var createdAt = FormatTimestamp(extraction?.CreatedAt ?? now);
        var userId = extraction?.UserId ?? UserId;

        if (extraction is null)
        {
            using var sample = JsonDocument.Parse("""{"invoiceNumber":"INV-0042","vendor":"Acme Corp","total":1250.5,"currency":"EUR"}""");
            return new ExtractionDto
            {
                Id = id,
                UserId = userId,
                TemplateId = "tpl_invoice",
                TemplateName = "Invoice",
                FileName = "invoice-0042.pdf",
                Status = status,
                ExtractedData = failed ? null : sample.RootElement.Clone(),
                Error = failed ? "The document could not be read." : null,
                Source = "api",
                RunId = null,
                ProcessingTimeMs = 1840,
                CreatedAt = createdAt,
            };
        }

        return new ExtractionDto
        {
            Id = id,
            UserId = userId,
            TemplateId = extraction.TemplateId,
            TemplateName = extraction.TemplateName,
            FileName = extraction.FileName,
            Status = status,
            ExtractedData = extraction.ExtractedData,
            Error = extraction.Error,
            Source = extraction.Source,
            RunId = extraction.RunId,
            ProcessingTimeMs = extraction.ProcessingTimeMs,
            CreatedAt = createdAt,
        };
    }

    private async Task<EmulatedDelivery> DeliverAsync(
        HttpClient http,
        WebhookState webhook,
        WebhookEventType eventType,
        string extractionId,
        byte[] payload,
        CancellationToken cancellationToken)
    {
        var createdAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        int? httpStatus = null;
        string? error = null;

        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_deliveryTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url);
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(webhook.Secret, payload));
                using var response = await http
                    .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                    .ConfigureAwait(false);
                httpStatus = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (Volatile.Read(ref _disposed) != 0)
            {
                // Disposal cancelled the delivery client's pending requests: not a timeout, and there is no log to record it in.
                throw new ObjectDisposedException("The DocMap emulator was disposed while a delivery was in flight.", ex);
            }
            catch (OperationCanceledException)
            {
                error = $"Timed out: no response within {_deliveryTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.";
            }
            catch (Exception ex)
            {
                // Refused, reset, TLS, or a custom handler's failure: no response arrived. DocMap records it and moves on.
                error = string.IsNullOrWhiteSpace(ex.Message) ? ex.GetType().Name : ex.Message;
            }
        }

        var duration = Stopwatch.GetElapsedTime(started);
        var record = new DeliveryDto
        {
            Id = "dlv_" + RandomNumberGenerator.GetHexString(20, lowercase: true),
            UserId = UserId,
            WebhookId = webhook.Id,
            ExtractionId = extractionId,
            Event = eventType.Value!,
            Url = webhook.Url,
            Status = httpStatus is >= 200 and <= 299 ? "success" : "failed",
            HttpStatus = httpStatus,
            Error = error,
            DurationMs = (long)duration.TotalMilliseconds,
            CreatedAt = FormatTimestamp(createdAt),
        };

        lock (_gate)
        {
            _deliveries.Add(record);
        }

        return new EmulatedDelivery(
            record.Id,
            webhook.Id,
            extractionId,
            eventType,
            webhook.Url,
            httpStatus,
            error,
            duration,
            DateTimeOffset.Parse(record.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            Encoding.UTF8.GetString(payload));
    }

    private void MapRoutes()
    {
        Map(DocMapEndpoint.CreateWebhook, Request.Create().WithPath(WebhooksPath).UsingPost());
        Map(DocMapEndpoint.ListWebhooks, Request.Create().WithPath(WebhooksPath).UsingGet());
        Map(DocMapEndpoint.ListDeliveries, Request.Create().WithPath(DeliveriesPath).UsingGet());
        Map(DocMapEndpoint.DeleteWebhook, Request.Create().WithPath(new RegexMatcher("^/v1/webhooks/[^/]+$")).UsingDelete());

        // Everything else: DocMap's 404 envelope.
        _server
            .Given(Request.Create().WithPath(new RegexMatcher(".*")).UsingAnyMethod())
            .AtPriority(100)
            .RespondWith(Response.Create().WithCallback(request => Handle(null, request)));
    }

    private void Map(DocMapEndpoint endpoint, IRequestBuilder request) =>
        _server
            .Given(request)
            .AtPriority(1)
            .RespondWith(Response.Create().WithCallback(message => Handle(endpoint, message)));

    private ResponseMessage Handle(DocMapEndpoint? endpoint, IRequestMessage request)
    {
        Reply reply;
        try
        {
            reply = endpoint is { } known
                ? HandleEndpoint(known, request)
                : Reply.Error(404, DocMapErrorCodes.NotFound, $"No DocMap endpoint at {request.Method.ToUpperInvariant()} {request.Path}.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            reply = Reply.Error(500, DocMapErrorCodes.InternalError, "The emulator could not handle the request.");
        }

        var body = request.BodyAsBytes is { Length: > 0 } bytes ? Encoding.UTF8.GetString(bytes) : request.Body;
        var entry = new ReceivedRequest(
            endpoint,
            request.Method.ToUpperInvariant(),
            request.Path + NormalizeQuery(request.RawQuery),
            string.IsNullOrEmpty(body) ? null : body,
            reply.Status,
            DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _requests.Add(entry);
        }

        return reply.ToResponseMessage();
    }

    private Reply HandleEndpoint(DocMapEndpoint endpoint, IRequestMessage request)
    {
        lock (_gate)
        {
            if (_faults.TryGetValue(endpoint, out var queue) && queue.TryPeek(out var fault))
            {
                if (--fault.Remaining == 0)
                {
                    queue.Dequeue();
                }

                return Reply.Error(fault.Status, fault.Code, DefaultMessage(fault.Status), fault.RetryAfter);
            }
        }

        if (!IsAuthorized(request))
        {
            return Reply.Error(401, DocMapErrorCodes.Unauthorized, "Missing or invalid API key.");
        }

        return endpoint switch
        {
            DocMapEndpoint.CreateWebhook => CreateWebhook(request),
            DocMapEndpoint.ListWebhooks => ListWebhooks(),
            DocMapEndpoint.DeleteWebhook => DeleteWebhook(request),
            DocMapEndpoint.ListDeliveries => ListDeliveries(request),
            _ => Reply.Error(404, DocMapErrorCodes.NotFound, "Unknown endpoint."),
        };
    }

    private bool IsAuthorized(IRequestMessage request)
    {
        string? header = null;
        if (request.Headers is { } headers)
        {
            foreach (var (name, values) in headers)
            {
                if (string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && values is { Count: 1 })
                {
                    header = values[0];
                }
            }
        }

        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(header.AsSpan(scheme.Length).Trim().ToString());
        return CryptographicOperations.FixedTimeEquals(presented, _apiKeyUtf8);
    }

    private Reply CreateWebhook(IRequestMessage request)
    {
        var bytes = request.BodyAsBytes ?? (request.Body is { } text ? Encoding.UTF8.GetBytes(text) : null);
        if (bytes is not { Length: > 0 })
        {
            return Reply.Validation("The request body must be a JSON object with url and events.");
        }

        string url;
        List<string> events = [];
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Reply.Validation("The request body must be a JSON object with url and events.");
            }

            if (!root.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String ||
                string.IsNullOrWhiteSpace(urlElement.GetString()))
            {
                return Reply.Validation("url is required.");
            }

            url = urlElement.GetString()!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) ||
                (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
            {
                return Reply.Validation("url must be an absolute http or https URL.");
            }

            if (!root.TryGetProperty("events", out var eventsElement) || eventsElement.ValueKind != JsonValueKind.Array ||
                eventsElement.GetArrayLength() == 0)
            {
                return Reply.Validation("events must be a non-empty array.");
            }

            var index = 0;
            foreach (var item in eventsElement.EnumerateArray())
            {
                var value = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                if (string.IsNullOrWhiteSpace(value) || !new WebhookEventType(value).IsKnown)
                {
                    return Reply.Validation(
                        $"events[{index.ToString(CultureInfo.InvariantCulture)}] must be one of extraction.completed, extraction.failed.");
                }

                if (!events.Contains(value, StringComparer.Ordinal))
                {
                    events.Add(value);
                }

                index++;
            }
        }
        catch (JsonException)
        {
            return Reply.Validation("The request body is not valid JSON.");
        }

        lock (_gate)
        {
            if (_webhooks.Count >= MaxActiveWebhooks)
            {
                return Reply.Error(400, DocMapErrorCodes.MaxWebhooksReached, $"You can have at most {MaxActiveWebhooks} active webhooks.");
            }

            var secret = RandomNumberGenerator.GetHexString(64, lowercase: true);
            var webhook = new WebhookState(
                "wh_" + RandomNumberGenerator.GetHexString(20, lowercase: true),
                url,
                [.. events],
                WebhookSecret.Parse(secret),
                FormatTimestamp(DateTimeOffset.UtcNow));
            _webhooks.Add(webhook);

            return Reply.Ok(JsonSerializer.SerializeToUtf8Bytes(
                new DataEnvelopeDto<CreateWebhookResultDto>
                {
                    Data = new CreateWebhookResultDto { Secret = secret, Webhook = ToDto(webhook) },
                },
                EmulatorJsonContext.Default.DataEnvelopeDtoCreateWebhookResultDto));
        }
    }

    private Reply ListWebhooks()
    {
        lock (_gate)
        {
            IReadOnlyList<WebhookDto> list = _webhooks.Select(ToDto).ToArray();
            return Reply.Ok(JsonSerializer.SerializeToUtf8Bytes(
                new DataEnvelopeDto<IReadOnlyList<WebhookDto>> { Data = list },
                EmulatorJsonContext.Default.DataEnvelopeDtoIReadOnlyListWebhookDto));
        }
    }

    private Reply DeleteWebhook(IRequestMessage request)
    {
        var id = Uri.UnescapeDataString(request.Path[(WebhooksPath.Length + 1)..]);
        lock (_gate)
        {
            var index = _webhooks.FindIndex(w => string.Equals(w.Id, id, StringComparison.Ordinal));
            if (index < 0)
            {
                return Reply.Error(404, DocMapErrorCodes.NotFound, "Webhook not found.");
            }

            _webhooks.RemoveAt(index);
        }

        return Reply.Ok(JsonSerializer.SerializeToUtf8Bytes(new SuccessDto(), EmulatorJsonContext.Default.SuccessDto));
    }

    private Reply ListDeliveries(IRequestMessage request)
    {
        var query = ParseQuery(request.RawQuery);
        var limit = DefaultDeliveryLimit;
        if (query.TryGetValue("limit", out var limits))
        {
            if (limits.Count != 1 ||
                !int.TryParse(limits[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit) ||
                limit is < 1 or > MaxDeliveryLimit)
            {
                return Reply.Validation("limit must be an integer between 1 and 100.");
            }
        }

        string? webhookId = null;
        if (query.TryGetValue("webhookId", out var ids))
        {
            if (ids.Count != 1)
            {
                return Reply.Validation("webhookId may be given once.");
            }

            webhookId = ids[0].Length == 0 ? null : ids[0];
        }

        lock (_gate)
        {
            var list = new List<DeliveryDto>(Math.Min(limit, _deliveries.Count));
            for (var i = _deliveries.Count - 1; i >= 0 && list.Count < limit; i--)
            {
                if (webhookId is null || string.Equals(_deliveries[i].WebhookId, webhookId, StringComparison.Ordinal))
                {
                    list.Add(_deliveries[i]);
                }
            }

            return Reply.Ok(JsonSerializer.SerializeToUtf8Bytes(
                new DataEnvelopeDto<IReadOnlyList<DeliveryDto>> { Data = list },
                EmulatorJsonContext.Default.DataEnvelopeDtoIReadOnlyListDeliveryDto));
        }
    }

    private WebhookDto ToDto(WebhookState webhook) => new()
    {
        Id = webhook.Id,
        UserId = UserId,
        Url = webhook.Url,
        Events = webhook.Events,
        Active = true, // a deleted webhook is removed, so every stored one is active
        CreatedAt = webhook.CreatedAt,
    };

    private static string NormalizeQuery(string? rawQuery) =>
        string.IsNullOrEmpty(rawQuery) ? string.Empty : rawQuery[0] == '?' ? rawQuery : "?" + rawQuery;

    private static Dictionary<string, List<string>> ParseQuery(string? rawQuery)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(rawQuery))
        {
            return result;
        }

        foreach (var pair in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            if (!result.TryGetValue(name, out var values))
            {
                result[name] = values = [];
            }

            values.Add(value);
        }

        return result;

        static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    private sealed class WebhookState(string id, string url, string[] events, WebhookSecret secret, string createdAt)
    {
        public string Id { get; } = id;

        public string Url { get; } = url;

        public string[] Events { get; } = events;

        public WebhookSecret Secret { get; } = secret;

        public string CreatedAt { get; } = createdAt;
    }

    private sealed class Fault(int remaining, int status, string code, TimeSpan? retryAfter)
    {
        public int Remaining { get; set; } = remaining;

        public int Status { get; } = status;

        public string Code { get; } = code;

        public TimeSpan? RetryAfter { get; } = retryAfter;
    }

    private readonly record struct Reply(int Status, byte[] Body, TimeSpan? RetryAfter)
    {
        public static Reply Ok(byte[] body) => new(200, body, null);

        public static Reply Validation(string message) => Error(400, DocMapErrorCodes.ValidationError, message);

        public static Reply Error(int status, string code, string message, TimeSpan? retryAfter = null) => new(
            status,
            JsonSerializer.SerializeToUtf8Bytes(
                new ErrorEnvelopeDto { Error = new ErrorDto { Code = code, Message = message } },
                EmulatorJsonContext.Default.ErrorEnvelopeDto),
            retryAfter);

        public ResponseMessage ToResponseMessage()
        {
            var message = new ResponseMessage
            {
                StatusCode = Status,
                BodyData = new BodyData { BodyAsBytes = Body, DetectedBodyType = BodyType.Bytes },
            };
            message.AddHeader("Content-Type", "application/json; charset=utf-8");
            if (RetryAfter is { } delay)
            {
                message.AddHeader(
                    "Retry-After",
                    ((long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            }

            return message;
        }
    }
}

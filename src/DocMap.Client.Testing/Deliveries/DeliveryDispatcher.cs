using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace DocMap.Client.Testing;

/// <summary>
/// Sends an event's deliveries the way DocMap does: one signed POST per webhook, one attempt each within the delivery
/// timeout, the outcome recorded in the delivery log. Owns the delivery <see cref="HttpClient"/> (created on first use)
/// and cancels every attempt in flight when disposed. Thread-safe.
/// </summary>
internal sealed class DeliveryDispatcher : IDisposable
{
    /// <summary>The longest delivery error the delivery log keeps, in characters (see <see cref="Shorten"/>).</summary>
    internal const int MaxErrorLength = 500;

    private readonly EmulatorSettings _settings;
    private readonly EmulatorState _state;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _gate = new();
    private HttpClient? _client; // created on first delivery; read and written under _gate
    private int _disposed;

    public DeliveryDispatcher(EmulatorSettings settings, EmulatorState state)
    {
        _settings = settings;
        _state = state;
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Delivers one payload to every target at once and waits for every attempt.</summary>
    /// <returns>One result per target, in the targets' order, each with the full payload.</returns>
    /// <exception cref="ObjectDisposedException">The emulator was disposed before or during the deliveries.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The delivery handler factory returned null.</exception>
    public async Task<EmulatedDelivery[]> DeliverAsync(
        WebhookState[] targets,
        WebhookEventType eventType,
        DeliveryPayload payload,
        CancellationToken cancellationToken)
    {
        if (targets.Length == 0)
        {
            return [];
        }

        var generation = _state.Generation;
        var http = GetClient(); // a failing DeliveryHandlerFactory surfaces here, to the caller
        var text = Encoding.UTF8.GetString(payload.Body);
        var logged = LoggedText.From(payload.Body, _settings.MaxLoggedBodyBytes);
        var attempts = new Task<EmulatedDelivery>[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            attempts[i] = DeliverOneAsync(http, targets[i], eventType, payload, text, logged, generation, cancellationToken);
        }

        return await Task.WhenAll(attempts).ConfigureAwait(false);
    }

    /// <summary>Cancels the attempts in flight and releases the delivery client. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        // _disposed is already set, so GetClient cannot publish a client after this section has run: either the client
        // exists now and is disposed here, or its creator sees _disposed and disposes it itself.
        HttpClient? client;
        lock (_gate)
        {
            client = _client;
            _client = null;
        }

        client?.Dispose();
        _disposing.Dispose();
    }

    private async Task<EmulatedDelivery> DeliverOneAsync(
        HttpClient http,
        WebhookState webhook,
        WebhookEventType eventType,
        DeliveryPayload payload,
        string payloadText,
        LoggedText loggedPayload,
        long generation,
        CancellationToken cancellationToken)
    {
        var createdAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        int? httpStatus = null;
        string? error = null;

        CancellationTokenSource attempt;
        try
        {
            attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        }
        catch (ObjectDisposedException ex)
        {
            throw Disposed(ex);
        }

        using (attempt)
        {
            attempt.CancelAfter(_settings.DeliveryTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url);
                request.Content = new ByteArrayContent(payload.Body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(_settings.Signature.HeaderName, _settings.Signature.Sign(webhook.Secret, payload.Body));
                // Headers only: the receiver's body is never read, so a huge or endless answer costs nothing.
                using var response = await http
                    .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token)
                    .ConfigureAwait(false);
                httpStatus = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (IsDisposed)
            {
                // Disposal cancelled the attempt: not a timeout, and there is no log to record it in.
                throw Disposed(ex);
            }
            catch (OperationCanceledException)
            {
                error = $"Timed out: no response within {DocMap.Internal.DurationText.Describe(_settings.DeliveryTimeout)}.";
            }
            catch (Exception ex)
            {
                // Refused, reset, TLS, or a custom handler's failure: no response arrived. DocMap records it and moves on.
                error = Shorten(string.IsNullOrWhiteSpace(ex.Message) ? ex.GetType().Name : ex.Message);
            }
        }

        var duration = Stopwatch.GetElapsedTime(started);
        var record = new DeliveryRecord(
            new DeliveryDto
            {
                Id = EmulatorFormat.NewId("dlv_"),
                UserId = _state.UserId,
                WebhookId = webhook.Id,
                ExtractionId = payload.ExtractionId,
                Event = eventType.Value!,
                Url = webhook.Url,
                Status = httpStatus is >= 200 and <= 299 ? "success" : "failed",
                HttpStatus = httpStatus,
                Error = error,
                DurationMs = (long)duration.TotalMilliseconds,
                CreatedAt = EmulatorFormat.Timestamp(createdAt),
            },
            loggedPayload,
            eventType);
        _state.AddDelivery(record, generation);
        return record.ToEmulatedDelivery(duration, payloadText, payloadTruncated: false);
    }

    /// <summary>
    /// A delivery error as the log keeps it: at most <see cref="MaxErrorLength"/> characters. .NET quotes some of a
    /// malformed answer's bytes in its messages (a bad header name, up to the 64 KiB header limit), so a receiver could
    /// otherwise put tens of KiB of its own text into every entry of the delivery log and of
    /// <c>GET /v1/webhooks/deliveries</c>, past the logs' byte bounds. DocMap's own errors are short texts.
    /// </summary>
    internal static string Shorten(string error)
    {
        if (error.Length <= MaxErrorLength)
        {
            return error;
        }

        var cut = MaxErrorLength - 1;
        if (char.IsHighSurrogate(error[cut - 1]))
        {
            cut--;
        }

        return string.Concat(error.AsSpan(0, cut), "…");
    }

    private static ObjectDisposedException Disposed(Exception inner) =>
        new("The DocMap emulator was disposed while a delivery was in flight.", inner);

    /// <summary>
    /// The delivery client, created on first use. The handler factory runs outside the lock; the client is published
    /// under it, and only while the dispatcher is not disposed, so <see cref="Dispose"/> never misses one.
    /// </summary>
    private HttpClient GetClient()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, typeof(DocMapEmulator));
            if (_client is not null)
            {
                return _client;
            }
        }

        var created = CreateClient(_settings.DeliveryHandlerFactory);
        lock (_gate)
        {
            if (!IsDisposed && _client is null)
            {
                return _client = created;
            }

            if (!IsDisposed)
            {
                // Another caller published one first: use it and drop ours.
                var existing = _client!;
                created.Dispose();
                return existing;
            }
        }

        created.Dispose();
        throw new ObjectDisposedException(typeof(DocMapEmulator).FullName);
    }

    private static HttpClient CreateClient(Func<HttpMessageHandler>? handlerFactory)
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
                    AllowAutoRedirect = false, // DocMap counts only 2xx as delivered; a 3xx is recorded as failed, never followed
                    UseCookies = false,
                    AutomaticDecompression = System.Net.DecompressionMethods.None,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(1),
                    MaxResponseHeadersLength = 64, // KiB
                },
                disposeHandler: true);
        }

        client.Timeout = Timeout.InfiniteTimeSpan; // the per-attempt timeout is the emulator's own
        client.DefaultRequestHeaders.UserAgent.ParseAdd("DocMap-Emulator/1.0");
        return client;
    }
}

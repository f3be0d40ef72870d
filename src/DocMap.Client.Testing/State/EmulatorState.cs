using System.Security.Cryptography;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// Everything the emulator remembers: webhooks, the delivery log, the request log and the per-endpoint request counts.
/// Both logs are bounded (oldest entry dropped). Thread-safe: one lock, held only for in-memory work.
/// </summary>
internal sealed class EmulatorState
{
    private readonly Lock _gate = new();
    private readonly List<WebhookState> _webhooks = [];
    private readonly BoundedLog<DeliveryRecord> _deliveries;
    private readonly BoundedLog<ReceivedRequest> _requests;
    private readonly int[] _requestCounts = new int[Enum.GetValues<DocMapEndpoint>().Length];
    private readonly Func<string, string>? _secretFactory;
    private long _generation;

    public EmulatorState(EmulatorSettings settings, string userId)
    {
        UserId = userId;
        _secretFactory = settings.SecretFactory;
        _deliveries = new BoundedLog<DeliveryRecord>(settings.MaxDeliveryLogEntries);
        _requests = new BoundedLog<ReceivedRequest>(settings.MaxRequestLogEntries);
    }

    public string UserId { get; }

    /// <summary>Changes on every <see cref="Reset"/>: a delivery started before a reset is not logged after it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Registers a webhook unless 10 are active. The secret is <paramref name="secret"/> when given, otherwise the
    /// secret factory's, otherwise random.
    /// </summary>
    /// <returns>The webhook and the secret's text (null when the caller passed a parsed secret), or null when the limit is reached.</returns>
    /// <exception cref="InvalidOperationException">The secret factory failed or returned an invalid secret.</exception>
    public (WebhookState Webhook, string? SecretText)? TryAddWebhook(string url, string[] events, WebhookSecret? secret, string? secretText)
    {
        if (secret is null)
        {
            if (secretText is null && _secretFactory is not null)
            {
                try
                {
                    secretText = _secretFactory(url);
                }
                catch (Exception ex)
                {
                    // The factory's message is not repeated: it is the user's code and may hold anything.
                    throw new InvalidOperationException($"DocMapEmulatorOptions.SecretFactory threw {ex.GetType().Name}.", ex);
                }

                if (!WebhookSecret.TryParse(secretText, out secret))
                {
                    throw new InvalidOperationException("DocMapEmulatorOptions.SecretFactory returned a value that is not 64 hexadecimal characters.");
                }
            }
            else
            {
                secretText ??= RandomNumberGenerator.GetHexString(64, lowercase: true);
                secret = WebhookSecret.Parse(secretText);
            }
        }

        var webhook = new WebhookState(
            EmulatorFormat.NewId("wh_"),
            url,
            events,
            secret!,
            EmulatorFormat.Timestamp(DateTimeOffset.UtcNow));
        lock (_gate)
        {
            if (_webhooks.Count >= DocMapEmulator.MaxActiveWebhooks)
            {
                return null;
            }

            _webhooks.Add(webhook);
        }

        return (webhook, secretText);
    }

    public WebhookDto[] ListWebhooks()
    {
        lock (_gate)
        {
            var list = new WebhookDto[_webhooks.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = _webhooks[i].ToDto(UserId);
            }

            return list;
        }
    }

    public bool RemoveWebhook(string id)
    {
        lock (_gate)
        {
            var index = _webhooks.FindIndex(w => string.Equals(w.Id, id, StringComparison.Ordinal));
            if (index < 0)
            {
                return false;
            }

            _webhooks.RemoveAt(index);
            return true;
        }
    }

    public WebhookState? FindWebhook(string id)
    {
        lock (_gate)
        {
            return _webhooks.Find(w => string.Equals(w.Id, id, StringComparison.Ordinal));
        }
    }

    /// <summary>The active webhooks subscribed to an event, in creation order.</summary>
    public WebhookState[] SubscribersOf(string eventType)
    {
        lock (_gate)
        {
            return _webhooks.Where(w => w.IsSubscribedTo(eventType)).ToArray();
        }
    }

    /// <summary>Logs a delivery attempt unless the state was reset since it started.</summary>
    public void AddDelivery(DeliveryRecord record, long generation)
    {
        lock (_gate)
        {
            if (generation == _generation)
            {
                _deliveries.Add(record);
            }
        }
    }

    /// <summary>DocMap's delivery log: newest first, optionally for one webhook, at most <paramref name="limit"/> entries.</summary>
    public List<DeliveryRecord> NewestDeliveries(string? webhookId, int limit)
    {
        lock (_gate)
        {
            var list = new List<DeliveryRecord>(Math.Min(limit, _deliveries.Count));
            for (var i = _deliveries.Count - 1; i >= 0 && list.Count < limit; i--)
            {
                var record = _deliveries[i];
                if (webhookId is null || string.Equals(record.Entry.WebhookId, webhookId, StringComparison.Ordinal))
                {
                    list.Add(record);
                }
            }

            return list;
        }
    }

    public DeliveryRecord[] DeliveriesOldestFirst()
    {
        lock (_gate)
        {
            return _deliveries.ToArray();
        }
    }

    /// <summary>Logs a request and counts it for its endpoint.</summary>
    public void AddRequest(ReceivedRequest request)
    {
        lock (_gate)
        {
            if (request.Endpoint is { } endpoint)
            {
                _requestCounts[(int)endpoint]++;
            }

            _requests.Add(request);
        }
    }

    public ReceivedRequest[] RequestsOldestFirst()
    {
        lock (_gate)
        {
            return _requests.ToArray();
        }
    }

    public List<ReceivedRequest> NewestRequests(int limit)
    {
        lock (_gate)
        {
            var list = new List<ReceivedRequest>(Math.Min(limit, _requests.Count));
            for (var i = _requests.Count - 1; i >= 0 && list.Count < limit; i--)
            {
                list.Add(_requests[i]);
            }

            return list;
        }
    }

    public int GetRequestCount(DocMapEndpoint endpoint)
    {
        lock (_gate)
        {
            return _requestCounts[(int)endpoint];
        }
    }

    /// <summary>Forgets webhooks, deliveries, requests and counts (faults live in <see cref="FaultQueue"/>).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _generation++;
            _webhooks.Clear();
            _deliveries.Clear();
            _requests.Clear();
            Array.Clear(_requestCounts);
        }
    }
}

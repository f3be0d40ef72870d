namespace DocMap.Client.Internal;

/// <summary>
/// Checks every argument before any request is built, then calls the Refit-generated client.
/// Bad input fails here with an <see cref="ArgumentException"/> naming the parameter. A 2xx answer of JSON
/// <c>null</c> or <c>{"data": null}</c> fails through <see cref="DocMapResponseShape.EnsureDataAsync"/>. A call that
/// passed validation runs inside its span and measurements (<see cref="DocMapClientTelemetry"/>) when anybody listens,
/// and exactly as it would without telemetry when nobody does.
/// </summary>
internal sealed class ValidatingDocMapApi : IDocMapApi
{
    private readonly IDocMapApi _inner;
    private readonly DocMapClientTelemetry _telemetry;
    private readonly DocMapServer _server;

    public ValidatingDocMapApi(IDocMapApi inner, DocMapClientTelemetry telemetry, Uri? baseAddress)
    {
        _inner = inner;
        _telemetry = telemetry;
        _server = new DocMapServer(baseAddress);
    }

    public Task<DataEnvelope<CreateWebhookResult>> CreateWebhookAsync(CreateWebhookRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            throw new ArgumentException("The webhook URL (request.Url) is required.", nameof(request));
        }

        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("The webhook URL (request.Url) must be an absolute http or https URL, such as https://example.com/webhooks/docmap.", nameof(request));
        }

        if (request.Events is null || request.Events.Count == 0)
        {
            throw new ArgumentException("At least one event type (request.Events) is required, such as WebhookEventType.ExtractionCompleted.", nameof(request));
        }

        for (var i = 0; i < request.Events.Count; i++)
        {
            if (request.Events[i].IsDefault)
            {
                throw new ArgumentException($"request.Events[{i}] is a default (empty) WebhookEventType; use WebhookEventType.ExtractionCompleted, ExtractionFailed, or new WebhookEventType(\"...\").", nameof(request));
            }
        }

        return _telemetry.IsEnabled
            ? _telemetry.TraceAsync(DocMapOperation.CreateWebhook, _server, null, (this, request, cancellationToken), static s => s.Item1.CreateCoreAsync(s.request, s.cancellationToken))
            : CreateCoreAsync(request, cancellationToken);
    }

    public Task<DataEnvelope<IReadOnlyList<WebhookDelivery>>> ListDeliveriesAsync(string? webhookId = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (webhookId is not null)
        {
            CheckId(webhookId, nameof(webhookId));
        }

        if (limit is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be between 1 and 100 (or null for DocMap's default of 50).");
        }

        return _telemetry.IsEnabled
            ? _telemetry.TraceAsync(DocMapOperation.ListDeliveries, _server, webhookId, (this, webhookId, limit, cancellationToken), static s => s.Item1.ListDeliveriesCoreAsync(s.webhookId, s.limit, s.cancellationToken))
            : ListDeliveriesCoreAsync(webhookId, limit, cancellationToken);
    }

    public Task<DataEnvelope<IReadOnlyList<Webhook>>> ListWebhooksAsync(CancellationToken cancellationToken = default) =>
        _telemetry.IsEnabled
            ? _telemetry.TraceAsync(DocMapOperation.ListWebhooks, _server, null, (this, cancellationToken), static s => s.Item1.ListWebhooksCoreAsync(s.cancellationToken))
            : ListWebhooksCoreAsync(cancellationToken);

    public Task DeleteWebhookAsync(string webhookId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        CheckId(webhookId, nameof(webhookId));
        return _telemetry.IsEnabled
            ? _telemetry.TraceAsync(DocMapOperation.DeleteWebhook, _server, webhookId, (this, webhookId, cancellationToken), static s => s.Item1.DeleteCoreAsync(s.webhookId, s.cancellationToken))
            : _inner.DeleteWebhookAsync(webhookId, cancellationToken);
    }

    private Task<DataEnvelope<CreateWebhookResult>> CreateCoreAsync(CreateWebhookRequest request, CancellationToken cancellationToken) =>
        DocMapResponseShape.EnsureDataAsync(_inner.CreateWebhookAsync(request, cancellationToken), "POST", DocMapRoutes.Webhooks);

    private Task<DataEnvelope<IReadOnlyList<WebhookDelivery>>> ListDeliveriesCoreAsync(string? webhookId, int? limit, CancellationToken cancellationToken) =>
        DocMapResponseShape.EnsureDataAsync(_inner.ListDeliveriesAsync(webhookId, limit, cancellationToken), "GET", DocMapRoutes.Deliveries);

    private Task<DataEnvelope<IReadOnlyList<Webhook>>> ListWebhooksCoreAsync(CancellationToken cancellationToken) =>
        DocMapResponseShape.EnsureDataAsync(_inner.ListWebhooksAsync(cancellationToken), "GET", DocMapRoutes.Webhooks);

    /// <summary>DELETE answers no data; a <see cref="bool"/> result lets it share the traced path of the other calls.</summary>
    private async Task<bool> DeleteCoreAsync(string webhookId, CancellationToken cancellationToken)
    {
        await _inner.DeleteWebhookAsync(webhookId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void CheckId(string webhookId, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(webhookId))
        {
            throw new ArgumentException("A webhook id cannot be empty or white space.", parameterName);
        }

        if (webhookId is "." or "..")
        {
            throw new ArgumentException("A webhook id cannot be a dot segment ('.' or '..').", parameterName);
        }
    }
}

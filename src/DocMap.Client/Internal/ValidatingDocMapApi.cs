namespace DocMap.Client.Internal;

/// <summary>
/// Checks every argument before any request is built, then calls the Refit-generated client.
/// Bad input fails here with an <see cref="ArgumentException"/> naming the parameter. A 2xx answer of JSON
/// <c>null</c> or <c>{"data": null}</c> fails through <see cref="DocMapResponseShape.EnsureDataAsync"/>.
/// </summary>
internal sealed class ValidatingDocMapApi : IDocMapApi
{
    private readonly IDocMapApi _inner;

    public ValidatingDocMapApi(IDocMapApi inner)
    {
        _inner = inner;
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

        return DocMapResponseShape.EnsureDataAsync(_inner.CreateWebhookAsync(request, cancellationToken), "POST", DocMapRoutes.Webhooks);
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

        return DocMapResponseShape.EnsureDataAsync(_inner.ListDeliveriesAsync(webhookId, limit, cancellationToken), "GET", DocMapRoutes.Deliveries);
    }

    public Task<DataEnvelope<IReadOnlyList<Webhook>>> ListWebhooksAsync(CancellationToken cancellationToken = default) =>
        DocMapResponseShape.EnsureDataAsync(_inner.ListWebhooksAsync(cancellationToken), "GET", DocMapRoutes.Webhooks);

    public Task DeleteWebhookAsync(string webhookId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        CheckId(webhookId, nameof(webhookId));
        return _inner.DeleteWebhookAsync(webhookId, cancellationToken);
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

namespace DocMap.Client.Internal;

/// <summary>
/// Checks every argument before any request is built, then calls the Refit-generated client.
/// Bad input fails here with an <see cref="ArgumentException"/> naming the parameter.
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

        return EnsureData(_inner.CreateWebhookAsync(request, cancellationToken), "POST", "/v1/webhooks");
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

        return EnsureData(_inner.ListDeliveriesAsync(webhookId, limit, cancellationToken), "GET", "/v1/webhooks/deliveries");
    }

    public Task<DataEnvelope<IReadOnlyList<Webhook>>> ListWebhooksAsync(CancellationToken cancellationToken = default) =>
        EnsureData(_inner.ListWebhooksAsync(cancellationToken), "GET", "/v1/webhooks");

    public Task DeleteWebhookAsync(string webhookId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookId);
        CheckId(webhookId, nameof(webhookId));
        return _inner.DeleteWebhookAsync(webhookId, cancellationToken);
    }

    /// <summary>
    /// A 2xx body of JSON <c>null</c> or <c>{"data": null}</c> would reach the caller as a null it was promised not to
    /// get; it becomes a <see cref="DocMapApiException"/> instead. (Empty bodies are caught earlier, with their status.)
    /// </summary>
    private static async Task<DataEnvelope<T>> EnsureData<T>(Task<DataEnvelope<T>> call, string method, string path)
        where T : class
    {
        var envelope = await call.ConfigureAwait(false);
        if (envelope?.Data is null)
        {
            throw new DocMapApiException(
                $"DocMap API {method} {path} answered with {(envelope is null ? "a JSON null body" : "\"data\": null")} instead of the documented {{\"data\": ...}}.",
                System.Net.HttpStatusCode.OK, null, null, method, path, null, null);
        }

        return envelope;
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

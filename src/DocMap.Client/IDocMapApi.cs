using DocMap.Client.Internal;
using Refit;

namespace DocMap.Client;

/// <summary>
/// DocMap's webhooks API: register, list and delete webhooks and read their delivery log.
/// Obtain an instance from <see cref="DocMapClient.Create(string, DocMapClientOptions?)"/> or, with dependency
/// injection, from <c>services.AddDocMapClient(...)</c>. The instances the SDK returns validate arguments before any
/// request, send <c>Authorization: Bearer &lt;key&gt;</c>, retry safe calls, and report every failure as a typed exception.
/// </summary>
/// <remarks>
/// Every call throws <see cref="DocMapApiException"/> when DocMap answers with a non-2xx status,
/// <see cref="TimeoutException"/> when <see cref="DocMapClientOptions.Timeout"/> elapses,
/// <see cref="OperationCanceledException"/> when the caller's token is cancelled, and
/// <see cref="HttpRequestException"/> when no response arrives (DNS, connection refused or reset). A redirect is never
/// followed (it is a <see cref="DocMapApiException"/> with the 3xx status), and a 2xx body larger than
/// <see cref="DocMapClientOptions.MaxResponseBytes"/> is a <see cref="DocMapApiException"/> that is not retried.
/// </remarks>
[Headers("Accept: application/json")]
public interface IDocMapApi
{
    /// <summary>
    /// Registers a webhook (<c>POST /v1/webhooks</c>). The result carries the signing secret, which DocMap returns
    /// only this once: store it. This call is never retried automatically, because a retry could create a second
    /// webhook whose secret nobody saw.
    /// </summary>
    /// <param name="request">The endpoint URL (absolute http or https) and at least one event type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The signing secret and the created webhook.</returns>
    /// <exception cref="ArgumentException">The URL is empty or not absolute http(s), or no event or a default event is given.</exception>
    /// <exception cref="DocMapApiException">DocMap refused the call, for example with <see cref="DocMapErrorCodes.MaxWebhooksReached"/>.</exception>
    [Post(DocMapRoutes.Webhooks)]
    Task<DataEnvelope<CreateWebhookResult>> CreateWebhookAsync([Body] CreateWebhookRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lists webhook deliveries, newest first (<c>GET /v1/webhooks/deliveries</c>).</summary>
    /// <param name="webhookId">Only the deliveries of this webhook; <see langword="null"/> for all of the account's webhooks.</param>
    /// <param name="limit">How many deliveries, 1 to 100; <see langword="null"/> for DocMap's default (50).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deliveries.</returns>
    /// <exception cref="ArgumentException"><paramref name="webhookId"/> is empty, or <paramref name="limit"/> is outside 1 to 100.</exception>
    /// <exception cref="DocMapApiException">DocMap refused the call.</exception>
    [Get(DocMapRoutes.Deliveries)]
    Task<DataEnvelope<IReadOnlyList<WebhookDelivery>>> ListDeliveriesAsync(
        [AliasAs("webhookId")] string? webhookId = null,
        [AliasAs("limit")] int? limit = null,
        CancellationToken cancellationToken = default);

    /// <summary>Lists the account's webhooks (<c>GET /v1/webhooks</c>). Secrets are never included.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The webhooks.</returns>
    /// <exception cref="DocMapApiException">DocMap refused the call.</exception>
    [Get(DocMapRoutes.Webhooks)]
    Task<DataEnvelope<IReadOnlyList<Webhook>>> ListWebhooksAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a webhook (<c>DELETE /v1/webhooks/{id}</c>). The id is escaped into the path. When the built-in policy
    /// retried the call after an attempt that may have deleted the webhook unseen (transport error, timeout, 408, 5xx),
    /// a final 404 <c>NOT_FOUND</c> counts as success.
    /// </summary>
    /// <param name="webhookId">The webhook's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when DocMap has deleted the webhook.</returns>
    /// <exception cref="ArgumentException"><paramref name="webhookId"/> is null, empty, or a dot segment.</exception>
    /// <exception cref="DocMapApiException">DocMap refused the call, for example with <see cref="DocMapErrorCodes.NotFound"/> or <see cref="DocMapErrorCodes.Forbidden"/>.</exception>
    [Delete(DocMapRoutes.Webhook)]
    Task DeleteWebhookAsync(string webhookId, CancellationToken cancellationToken = default);
}

namespace DocMap.Client.Testing;

/// <summary>The endpoints of DocMap's webhooks API that <see cref="DocMapEmulator"/> serves.</summary>
public enum DocMapEndpoint
{
    /// <summary><c>POST /v1/webhooks</c>: create a webhook.</summary>
    CreateWebhook,

    /// <summary><c>GET /v1/webhooks</c>: list webhooks.</summary>
    ListWebhooks,

    /// <summary><c>DELETE /v1/webhooks/{id}</c>: delete a webhook.</summary>
    DeleteWebhook,

    /// <summary><c>GET /v1/webhooks/deliveries</c>: read the delivery log.</summary>
    ListDeliveries,
}

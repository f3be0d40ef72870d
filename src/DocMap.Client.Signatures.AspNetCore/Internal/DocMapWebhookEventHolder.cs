namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>Holds the verified event for the request scope, so minimal-API handlers can take a WebhookEvent parameter.</summary>
internal sealed class DocMapWebhookEventHolder
{
    public WebhookEvent? Event { get; set; }
}

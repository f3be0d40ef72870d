namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>Holds the missed delivery for the scope of its background run, so a missed-delivery delegate can take a <see cref="WebhookDelivery"/> parameter.</summary>
internal sealed class WebhookDeliveryHolder
{
    public WebhookDelivery? Delivery { get; set; }
}

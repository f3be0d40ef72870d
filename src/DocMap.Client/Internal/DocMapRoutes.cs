namespace DocMap.Client.Internal;

/// <summary>The API's paths: used by the Refit attributes of <see cref="IDocMapApi"/> and wherever a call's path is named.</summary>
internal static class DocMapRoutes
{
    public const string Webhooks = "/v1/webhooks";
    public const string Deliveries = "/v1/webhooks/deliveries";
    public const string Webhook = "/v1/webhooks/{webhookId}";
}

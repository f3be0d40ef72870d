using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Endpoint metadata of a <c>MapDocMapWebhooks(pattern, Delegate)</c> endpoint while the inbox is registered: carries the
/// endpoint's own request delegate and, once <c>OnDocMapMissedDelivery</c> ran, its missed-delivery delegate, until the
/// endpoint's final convention registers them with the <see cref="InboxEndpointRegistry"/>.
/// </summary>
internal sealed class InboxEndpointMetadata(string route, RequestDelegate handler)
{
    public string Route { get; } = route;

    public RequestDelegate Handler { get; } = handler;

    public RequestDelegate? MissedDeliveryHandler { get; set; }
}

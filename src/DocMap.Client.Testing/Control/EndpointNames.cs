namespace DocMap.Client.Testing;

/// <summary>The control API's names of <see cref="DocMapEndpoint"/> values: camelCase, as in <c>"createWebhook"</c>.</summary>
internal static class EndpointNames
{
    public static string ToName(DocMapEndpoint endpoint) => endpoint switch
    {
        DocMapEndpoint.CreateWebhook => "createWebhook",
        DocMapEndpoint.ListWebhooks => "listWebhooks",
        DocMapEndpoint.DeleteWebhook => "deleteWebhook",
        _ => "listDeliveries",
    };

    public static bool TryParse(string? name, out DocMapEndpoint endpoint)
    {
        switch (name)
        {
            case "createWebhook":
                endpoint = DocMapEndpoint.CreateWebhook;
                return true;
            case "listWebhooks":
                endpoint = DocMapEndpoint.ListWebhooks;
                return true;
            case "deleteWebhook":
                endpoint = DocMapEndpoint.DeleteWebhook;
                return true;
            case "listDeliveries":
                endpoint = DocMapEndpoint.ListDeliveries;
                return true;
            default:
                endpoint = default;
                return false;
        }
    }
}

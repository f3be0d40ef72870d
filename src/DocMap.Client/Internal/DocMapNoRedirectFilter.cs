using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace DocMap.Client.Internal;

/// <summary>
/// Switches automatic redirects off on the primary handler of the DocMap client's <c>IHttpClientFactory</c> pipeline,
/// and puts <see cref="DocMapRedirectGuardHandler"/> right in front of it, after every handler the user added. A filter
/// wraps every configuration action of the named client, so it runs after all of them, including a
/// <c>ConfigurePrimaryHttpMessageHandler</c> or <c>AddHttpMessageHandler</c> the user calls after <c>AddDocMapClient</c>,
/// and again each time the factory builds a new handler.
/// </summary>
internal sealed class DocMapNoRedirectFilter : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            next(builder);
            if (builder.Name != DocMapServiceCollectionExtensions.HttpClientName)
            {
                return;
            }

            if (builder.PrimaryHandler is { } primary)
            {
                DocMapRedirects.DisableAutoRedirect(primary);
            }

            var apiKey = builder.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DocMapClientOptions>>().Value.ApiKey;
            builder.AdditionalHandlers.Add(DocMapPipeline.CreateRedirectGuard(apiKey));
        };
    }
}

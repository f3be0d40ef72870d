using DocMap.Client;
using DocMap.Client.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the DocMap client with <see cref="IServiceCollection"/> and <c>IHttpClientFactory</c>.</summary>
public static class DocMapServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the DocMap client uses in <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "DocMap.Client";

    /// <summary>
    /// Registers <see cref="IDocMapApi"/> (transient, over <c>IHttpClientFactory</c>) configured in code, with its metrics
    /// on the container's <c>IMeterFactory</c> (see <see cref="DocMapTelemetry"/>). The options are
    /// validated when the host starts; a missing or bad setting fails start-up with a message naming it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; <see cref="DocMapClientOptions.ApiKey"/> is required.</param>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>, to add handlers (for example your own resilience, with <see cref="DocMapClientOptions.UseBuiltInResilience"/> off).</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddDocMapClient(this IServiceCollection services, Action<DocMapClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<DocMapClientOptions>().Configure(configure);
        return AddCore(services, configurationPath: null);
    }

    /// <summary>
    /// Registers <see cref="IDocMapApi"/> (transient, over <c>IHttpClientFactory</c>) bound to a configuration section
    /// with the keys <c>ApiKey</c>, <c>BaseAddress</c>, <c>Timeout</c>, <c>AttemptTimeout</c>, <c>MaxRetries</c>,
    /// <c>RetryBaseDelay</c>, <c>MaxRetryAfter</c>, <c>MaxResponseBytes</c> and <c>UseBuiltInResilience</c>, for example
    /// <c>builder.Configuration.GetSection("DocMap")</c>. The options are validated when the host starts; a missing or
    /// bad setting fails start-up with a message naming its configuration key.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddDocMapClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DocMapClientOptions>().Bind(configuration);
        return AddCore(services, (configuration as IConfigurationSection)?.Path);
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services, string? configurationPath)
    {
        var builder = services.AddHttpClient(HttpClientName);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(DocMapClientRegistration)))
        {
            // A second call adds its configuration to the same options; the pipeline is set up once.
            return builder;
        }

        services.AddSingleton<DocMapClientRegistration>();

        // Metrics go through the container's IMeterFactory (AddMetrics is idempotent), so they live and die with it.
        services.AddMetrics();
        services.TryAddSingleton(static provider => new DocMapClientTelemetry(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));

        // No redirects, whatever primary handler ends up in the pipeline (the factory's default, or one the user sets
        // with ConfigurePrimaryHttpMessageHandler before or after this call): a filter runs after every configuration action.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, DocMapNoRedirectFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DocMapClientOptions>>(new DocMapClientOptionsValidator(configurationPath)));
        services.AddOptions<DocMapClientOptions>().ValidateOnStart();

        // The factory's default loggers keep raw header values (the API key) in the structured state of their
        // trace records; log method, path, status and duration instead.
        builder.RemoveAllLoggers();
        builder.AddLogger(provider => new DocMapHttpClientLogger(provider.GetRequiredService<ILoggerFactory>()));
        builder.ConfigureHttpClient((provider, client) =>
        {
            var options = provider.GetRequiredService<IOptions<DocMapClientOptions>>().Value;
            client.BaseAddress = options.BaseAddress;
            client.Timeout = Timeout.InfiniteTimeSpan; // DocMapClientOptions.Timeout is enforced by the pipeline, as a TimeoutException.
        });
        builder.ConfigureAdditionalHttpMessageHandlers((handlers, provider) =>
        {
            var options = provider.GetRequiredService<IOptions<DocMapClientOptions>>().Value;
            var ours = DocMapPipeline.CreateHandlers(options);
            for (var i = 0; i < ours.Length; i++)
            {
                handlers.Insert(i, ours[i]);
            }
        });
        builder.AddTypedClient<IDocMapApi>((httpClient, provider) =>
            DocMapPipeline.CreateApi(httpClient, provider.GetRequiredService<IOptions<DocMapClientOptions>>().Value.ApiKey!, provider.GetRequiredService<DocMapClientTelemetry>()));
        return builder;
    }
}

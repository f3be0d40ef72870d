using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Registers the DocMap delivery inbox: endpoints mapped with <c>MapDocMapWebhooks</c> then record each verified delivery
/// (deduplicated by signed content) and answer 200 once it is stored, a hosted service runs their handlers in the
/// background (bounded concurrency, leases, retries with backoff, dead letters, graceful release at shutdown), and
/// <see cref="IDocMapWebhookInbox"/> manages it. Call <c>AddDocMapWebhooks</c> as well.
/// </summary>
public static class DocMapWebhookInboxServiceCollectionExtensions
{
    /// <summary>Registers the DocMap delivery inbox with its default settings, on the in-memory store unless the builder selects another.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The inbox builder, to select a store.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static DocMapWebhookInboxBuilder AddDocMapWebhookInbox(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddCore(services);
        return new DocMapWebhookInboxBuilder(services);
    }

    /// <summary>Registers the DocMap delivery inbox with settings set in code, on the in-memory store unless the builder selects another.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the settings.</param>
    /// <returns>The inbox builder, to select a store.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static DocMapWebhookInboxBuilder AddDocMapWebhookInbox(this IServiceCollection services, Action<DocMapWebhookInboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services).Configure(configure);
        return new DocMapWebhookInboxBuilder(services);
    }

    /// <summary>
    /// Registers the DocMap delivery inbox with settings bound from configuration: pass the app's configuration (its
    /// <c>DocMap:Webhooks:Inbox</c> section is then used) or a section of your choice.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The app's configuration, or the section to bind.</param>
    /// <param name="configure">Optionally adjusts the bound settings in code.</param>
    /// <returns>The inbox builder, to select a store.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static DocMapWebhookInboxBuilder AddDocMapWebhookInbox(this IServiceCollection services, IConfiguration configuration, Action<DocMapWebhookInboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration as IConfigurationSection ?? configuration.GetSection(DocMapWebhookInboxOptions.SectionName);
        var options = AddCore(services, section.Path).Bind(section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return new DocMapWebhookInboxBuilder(services);
    }

    private static OptionsBuilder<DocMapWebhookInboxOptions> AddCore(IServiceCollection services, string? configurationPath = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDocMapWebhookInboxStore>(static sp =>
            new InMemoryInboxStore(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value.Retention));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DocMapWebhookInboxOptions>>(new InboxOptionsValidator(configurationPath)));

        // Accepting (the endpoints find the acceptor to know the inbox is on), processing and managing.
        services.TryAddSingleton<InboxCounters>();
        services.TryAddSingleton<InboxWakeSignal>();
        services.TryAddSingleton<InboxEndpointRegistry>();
        services.TryAddSingleton<InboxDeadlines>();
        services.TryAddSingleton<InboxAcceptor>();
        services.TryAddSingleton(static sp => new InboxStoreOutage(
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(InboxLog.Category), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new DocMapWebhookInstruments(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(static sp => new InboxStatsCache(sp.GetRequiredService<IDocMapWebhookInboxStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<InboxTelemetry>();
        services.TryAddSingleton<InboxAttemptRunner>();
        services.TryAddSingleton<InboxWorker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InboxWorker>(static sp => sp.GetRequiredService<InboxWorker>()));
        services.TryAddSingleton<IDocMapWebhookInbox, DocMapWebhookInbox>();

        // Lets a missed-delivery delegate take the delivery as a parameter.
        services.TryAddScoped<WebhookDeliveryHolder>();
        services.TryAddScoped(static sp => sp.GetRequiredService<WebhookDeliveryHolder>().Delivery ??
            throw new InvalidOperationException("No missed DocMap delivery belongs to this scope: a WebhookDelivery parameter is available only in a missed-delivery handler (OnDocMapMissedDelivery)."));
        return services.AddOptions<DocMapWebhookInboxOptions>().ValidateOnStart();
    }
}

using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Registers the DocMap delivery inbox.</summary>
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
        var options = AddCore(services).Bind(section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return new DocMapWebhookInboxBuilder(services);
    }

    private static OptionsBuilder<DocMapWebhookInboxOptions> AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDocMapWebhookInboxStore>(static sp =>
            new InMemoryInboxStore(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value.Retention));
        return services.AddOptions<DocMapWebhookInboxOptions>()
            .Validate(static o => o.Retention >= TimeSpan.FromMinutes(1) && o.Retention <= TimeSpan.FromDays(365), "DocMap:Webhooks:Inbox:Retention must be between 1 minute and 365 days.")
            .ValidateOnStart();
    }
}

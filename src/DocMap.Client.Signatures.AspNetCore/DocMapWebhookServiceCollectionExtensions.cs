using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Registers the services that receive DocMap webhook deliveries.</summary>
public static class DocMapWebhookServiceCollectionExtensions
{
    /// <summary>
    /// Registers DocMap webhook receiving with settings set in code. The settings are validated when the app starts:
    /// no secret, or a malformed one, stops it with a message naming the setting (never the value).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, at least one secret.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddDocMapWebhooks(this IServiceCollection services, Action<DocMapWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services, configurationPath: null).Configure(configure);
        return services;
    }

    /// <summary>
    /// Registers DocMap webhook receiving with settings bound from configuration: pass the app's configuration
    /// (<c>builder.Configuration</c>, whose <c>DocMap:Webhooks</c> section is then used) or a section of your choice.
    /// Keys: <c>Secrets:0</c>, <c>Secrets:1</c>, …, <c>MaxBodyBytes</c>, <c>BodyReadTimeout</c>, <c>HeaderName</c>,
    /// <c>KeyDerivation</c>, <c>MaxSignaturesPerHeader</c>. Validated when the app starts (messages name the setting
    /// by its configuration path, never a value); a configuration reload (for example of a JSON file or a secret
    /// store) takes effect on the next request, so secrets rotate without a restart.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The app's configuration (its <c>DocMap:Webhooks</c> section is bound), or the section to bind.
    /// </param>
    /// <param name="configure">Optionally adjusts the bound options in code.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddDocMapWebhooks(this IServiceCollection services, IConfiguration configuration, Action<DocMapWebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration as IConfigurationSection ?? configuration.GetSection(DocMapWebhookOptions.SectionName);
        // Bound through DocMapWebhookBindingException rather than OptionsBuilder.Bind: the binder's own exception
        // quotes the value it could not convert (a secret put under the wrong key would reach the log or the
        // start-up failure message). The binding code is generated at build time (no reflection), so this is trim
        // and native AOT safe.
        services.AddSingleton<IOptionsChangeTokenSource<DocMapWebhookOptions>>(
            new ConfigurationChangeTokenSource<DocMapWebhookOptions>(Options.DefaultName, section));
        AddCore(services, section.Path)
            .Configure(options => DocMapWebhookBindingException.Bind(section, options));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    private static OptionsBuilder<DocMapWebhookOptions> AddCore(IServiceCollection services, string? configurationPath)
    {
        // Validation messages name settings by the bound section's path, as DocMap.Client's do; the first
        // registration's validator (and so its path) is the one kept.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DocMapWebhookOptions>>(new DocMapWebhookOptionsValidator(configurationPath)));
        services.TryAddSingleton<DocMapWebhookRuntime>();

        // Metrics go through the app's IMeterFactory (AddMetrics is idempotent; hosts register it already).
        services.AddMetrics();
        services.TryAddSingleton(static sp => new DocMapWebhookInstruments(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));

        // Builds the verifier at start-up (after ValidateOnStart), so a valid snapshot exists before the first
        // delivery and a bad reload always has previous secrets to fall back on.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DocMapWebhookStartup>());
        services.TryAddScoped<DocMapWebhookEventHolder>();

        // Lets minimal-API handlers (and API controllers) take the verified WebhookEvent as a parameter.
        services.TryAddScoped(static sp => sp.GetRequiredService<DocMapWebhookEventHolder>().Event ??
            throw new InvalidOperationException(
                "No verified DocMap webhook belongs to this request: a WebhookEvent parameter is available only on endpoints mapped with MapDocMapWebhooks or marked with RequireDocMapSignature()."));
        return services.AddOptions<DocMapWebhookOptions>().ValidateOnStart();
    }
}

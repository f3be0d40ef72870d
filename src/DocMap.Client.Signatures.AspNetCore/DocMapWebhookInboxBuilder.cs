using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Configures the DocMap delivery inbox registered by <c>AddDocMapWebhookInbox</c>: which store keeps its state (in
/// memory by default; <c>UseRedis</c> from the <c>DocMap.Client.Redis</c> package for a durable, shared one), and
/// whether it reconciles missed deliveries from DocMap's delivery log (<see cref="AddReconciliation"/>).
/// </summary>
public sealed class DocMapWebhookInboxBuilder
{
    internal DocMapWebhookInboxBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection the inbox is registered in, for extensions such as <c>UseRedis</c>.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Keeps the inbox's state in a store created by <paramref name="factory"/> (once, as a singleton), replacing the current one.</summary>
    /// <param name="factory">Creates the store from the app's services.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is <see langword="null"/>.</exception>
    public DocMapWebhookInboxBuilder UseStore(Func<IServiceProvider, IDocMapWebhookInboxStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAll<IDocMapWebhookInboxStore>();
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>
    /// Turns on reconciliation from DocMap's delivery log: a hosted service reads the 100 newest deliveries every
    /// <see cref="DocMapWebhookReconciliationOptions.Interval"/> (1 minute by default, and once when the app starts) and, for
    /// each delivery DocMap logged as <c>failed</c> whose event (type and extraction id) has no inbox record, queues a
    /// missed-delivery message that the worker hands to the endpoint's
    /// <see cref="DocMapWebhookHandler.OnMissedDeliveryAsync"/> (or, for a delegate handler, the delegate set with
    /// <c>OnDocMapMissedDelivery</c>), once per delivery id across every instance sharing the store, with the inbox's retries
    /// and dead letters. Deliveries older than <see cref="DocMapWebhookInboxOptions.Retention"/> are ignored: their records
    /// may have been purged, so a handled delivery could not be told from a missed one. Needs the DocMap client
    /// (<c>services.AddDocMapClient(...)</c>): without it the app fails to start with a message saying so.
    /// </summary>
    /// <param name="configure">Optionally adjusts the settings (after those bound from configuration).</param>
    /// <returns>This builder, for chaining.</returns>
    public DocMapWebhookInboxBuilder AddReconciliation(Action<DocMapWebhookReconciliationOptions>? configure = null)
    {
        if (configure is not null)
        {
            Services.Configure<DocMapWebhookInboxOptions>(options => configure(options.Reconciliation));
        }

        Services.TryAddSingleton<InboxReconciler>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InboxReconciler>(static sp => sp.GetRequiredService<InboxReconciler>()));
        return this;
    }
}

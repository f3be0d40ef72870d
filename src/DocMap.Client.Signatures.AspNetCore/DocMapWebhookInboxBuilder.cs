using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Configures the DocMap delivery inbox registered by <c>AddDocMapWebhookInbox</c>: which store keeps its state (in
/// memory by default; <c>UseRedis</c> from the <c>DocMap.Client.Redis</c> package for a durable, shared one).
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
}

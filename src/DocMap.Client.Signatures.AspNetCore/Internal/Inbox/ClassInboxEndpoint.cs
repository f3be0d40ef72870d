using System.Diagnostics.CodeAnalysis;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// A <c>MapDocMapWebhooks&lt;THandler&gt;</c> endpoint: the worker resolves <typeparamref name="THandler"/> from the
/// attempt's scope (or creates it with its constructor dependencies, and disposes it after) and calls
/// <see cref="DocMapWebhookHandler.HandleAsync"/> or <see cref="DocMapWebhookHandler.OnMissedDeliveryAsync"/>.
/// No runtime code generation (trim and AOT safe).
/// </summary>
internal sealed class ClassInboxEndpoint<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(string route) : InboxEndpoint(route)
    where THandler : DocMapWebhookHandler
{
    private readonly ObjectFactory<THandler> _factory = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);

    public override Task RunDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        RunAsync(services, handler => handler.HandleAsync(webhookEvent, cancellationToken));

    public override Task RunMissedDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookDelivery delivery, CancellationToken cancellationToken) =>
        RunAsync(services, handler => handler.OnMissedDeliveryAsync(delivery, cancellationToken));

    private async Task RunAsync(IServiceProvider services, Func<THandler, Task> run)
    {
        var handler = services.GetService<THandler>();
        if (handler is not null)
        {
            await run(handler).ConfigureAwait(false);
            return;
        }

        handler = _factory(services, null);
        try
        {
            await run(handler).ConfigureAwait(false);
        }
        finally
        {
            if (handler is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (handler is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }
}

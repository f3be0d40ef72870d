using System.Diagnostics.CodeAnalysis;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// The request delegate of <c>MapDocMapWebhooks&lt;THandler&gt;</c>: verify, resolve (or create) the handler, dispatch,
/// answer 200, or 500 when the handler throws. Built without runtime code generation, so it is trim and AOT safe.
/// </summary>
/// <typeparam name="THandler">The handler class.</typeparam>
internal sealed class DocMapWebhookClassHandlerEndpoint<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>
    where THandler : DocMapWebhookHandler
{
    private readonly DocMapWebhookRuntime _runtime;
    private readonly InboxAcceptor? _inbox;
    private readonly ObjectFactory<THandler> _factory = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);

    public DocMapWebhookClassHandlerEndpoint(DocMapWebhookRuntime runtime, InboxAcceptor? inbox, string route)
    {
        _runtime = runtime;
        _inbox = inbox;
        Route = route;
    }

    /// <summary>The endpoint's full route pattern (set when the endpoint is built), which names it in inbox messages.</summary>
    public string Route { get; set; }

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = await DocMapWebhookProcessor.ReadAndVerifyAsync(context, _runtime, rewindBody: false).ConfigureAwait(false);
        if (feature is null)
        {
            return;
        }

        if (_inbox is not null)
        {
            await _inbox.AcceptAsync(context, feature, Route).ConfigureAwait(false);
            return;
        }

        feature.StartHandler();
        try
        {
            var services = context.RequestServices;
            var handler = services.GetService<THandler>();
            if (handler is null)
            {
                handler = _factory(services, null);
                if (handler is IAsyncDisposable asyncDisposable)
                {
                    context.Response.RegisterForDisposeAsync(asyncDisposable);
                }
                else if (handler is IDisposable disposable)
                {
                    context.Response.RegisterForDispose(disposable);
                }
            }

            await handler.HandleAsync(feature.Event, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await DocMapWebhookProcessor.HandlerFailedAsync(context, _runtime, feature.Event, ex).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        feature.EndHandler(context, null);
    }
}

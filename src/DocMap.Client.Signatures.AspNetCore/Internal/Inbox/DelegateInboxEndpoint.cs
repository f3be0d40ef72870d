using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// A <c>MapDocMapWebhooks(pattern, Delegate)</c> endpoint: the worker invokes the endpoint's own request delegate (the one
/// <c>MapPost</c> built, endpoint filters included) on an <see cref="InboxHttpContext"/>, so every parameter that binds
/// from the body, the verified event, services or the cancellation token binds as in a live request. A non-2xx status
/// the delegate sets is a failure.
/// </summary>
internal sealed class DelegateInboxEndpoint(string route, RequestDelegate handler, RequestDelegate? missedDeliveryHandler) : InboxEndpoint(route)
{
    public override async Task RunDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        var context = InboxHttpContext.Create(services, Route, message.Id, message.Body, cancellationToken);
        context.Features.Set(new DocMapWebhookFeature(webhookEvent));
        await handler(context).ConfigureAwait(false);
        ThrowUnlessSuccess(context, "handler");
    }

    public override async Task RunMissedDeliveryAsync(IServiceProvider services, InboxMessage message, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (missedDeliveryHandler is null)
        {
            return;
        }

        services.GetRequiredService<WebhookDeliveryHolder>().Delivery = delivery;
        var context = InboxHttpContext.Create(services, Route, message.Id, ReadOnlyMemory<byte>.Empty, cancellationToken);
        await missedDeliveryHandler(context).ConfigureAwait(false);
        ThrowUnlessSuccess(context, "missed-delivery handler");
    }

    private static void ThrowUnlessSuccess(HttpContext context, string what)
    {
        var status = context.Response.StatusCode;
        if (status is >= 200 and <= 299)
        {
            return;
        }

        throw new InvalidOperationException(status == StatusCodes.Status400BadRequest
            ? $"The {what} answered HTTP 400, which a background run counts as a failure. If a parameter could not be bound: in the inbox's background run only the body, the verified WebhookEvent, services, the HttpContext and the CancellationToken are available, not the original request's route values, query string or headers."
            : $"The {what} answered HTTP {status}, which a background run counts as a failure (only 2xx is success).");
    }
}

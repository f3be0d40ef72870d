using System.Diagnostics.CodeAnalysis;
using DocMap.Client.Signatures.AspNetCore.Internal;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Maps endpoints that receive DocMap webhook deliveries, and protects your own endpoints with the signature check.</summary>
public static class DocMapWebhookEndpointRouteBuilderExtensions
{
    private const string DynamicCodeMessage = "The handler delegate is compiled by the minimal-API RequestDelegateFactory, which needs dynamic code and unreferenced members, as MapPost(string, Delegate) does. Use MapDocMapWebhooks<THandler> for trimmed or native AOT apps.";

    /// <summary>
    /// Maps a POST endpoint that receives DocMap deliveries and calls <paramref name="handler"/> with the verified event.
    /// The handler's parameters are bound as in minimal APIs: a <see cref="WebhookEvent"/> parameter receives the
    /// verified event, a <see cref="CancellationToken"/> the request-aborted token, and other parameters come from DI,
    /// the route or the <see cref="HttpContext"/>. The endpoint reads the raw body once within
    /// <see cref="DocMapWebhookOptions.MaxBodyBytes"/> and verifies it before anything parses it. Answers: 200 after
    /// the handler completes (or the handler's own result); 401 with one generic body for every signature failure,
    /// the handler never called; 413 for a body over the limit (by <c>Content-Length</c> before reading, or while
    /// reading a chunked body); 408, and the connection closed, for a body that does not arrive within
    /// <see cref="DocMapWebhookOptions.BodyReadTimeout"/>; 400 for a verified body that is not a JSON object; 500 when
    /// the handler throws (logged).
    /// <para>
    /// When the delivery inbox is registered (<c>AddDocMapWebhookInbox</c>), the request only records the verified
    /// delivery (deduplicated by a key derived from signed content) and answers 200 once the store holds it (also for a
    /// duplicate), or 503 when the store fails or does not answer within
    /// <see cref="DocMapWebhookInboxOptions.AcceptTimeout"/>. The inbox's workers then run this endpoint's own request
    /// delegate in the background, in a fresh DI scope, on a synthetic <see cref="HttpContext"/> whose body is the stored
    /// bytes: the <see cref="WebhookEvent"/>, services, <c>[FromBody]</c> parameters, <see cref="HttpContext"/>
    /// (<c>GetDocMapWebhookEvent()</c>) and the <see cref="CancellationToken"/> (the attempt's) bind as in a live request,
    /// endpoint filters run, the original request's route values, query string and headers are not available; throwing
    /// or setting a non-2xx status is a failure, retried and then dead-lettered.
    /// </para>
    /// </summary>
    /// <param name="endpoints">The endpoint route builder (the <c>WebApplication</c> or a route group).</param>
    /// <param name="pattern">The route pattern, for example <c>/webhooks/docmap</c>.</param>
    /// <param name="handler">The delegate called with each verified delivery.</param>
    /// <returns>The endpoint's convention builder, so authorization, host filters, rate limiting and endpoint filters compose.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddDocMapWebhooks</c> was not called on the service collection.</exception>
    [RequiresUnreferencedCode(DynamicCodeMessage)]
    [RequiresDynamicCode(DynamicCodeMessage)]
    public static RouteHandlerBuilder MapDocMapWebhooks(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        var runtime = DocMapWebhookRuntime.From(endpoints.ServiceProvider);
        var inbox = endpoints.ServiceProvider.GetService<InboxAcceptor>();
        var builder = endpoints.MapPost(pattern, handler);
        builder.Add(endpoint =>
        {
            endpoint.Metadata.Add(DocMapSignatureRequiredMetadata.Instance);
            var inner = endpoint.RequestDelegate ??
                throw new InvalidOperationException("The DocMap webhook endpoint has no request delegate to protect.");
            if (inbox is null)
            {
                endpoint.RequestDelegate = context => DocMapWebhookProcessor.VerifyThenInvokeAsync(context, inner, runtime, ownsEndpoint: true);
                return;
            }

            // With the inbox the request only records the delivery; the worker later runs this endpoint's own delegate.
            var route = RouteOf(endpoint, pattern);
            endpoint.Metadata.Add(new InboxEndpointMetadata(route, inner));
            endpoint.RequestDelegate = context => DocMapWebhookProcessor.VerifyThenAcceptAsync(context, runtime, inbox, route);
        });
        if (inbox is not null)
        {
            var registry = endpoints.ServiceProvider.GetRequiredService<InboxEndpointRegistry>();
            var owner = new object();
            builder.Finally(endpoint =>
            {
                if (endpoint.Metadata.OfType<InboxEndpointMetadata>().LastOrDefault() is { } metadata)
                {
                    registry.Register(owner, new DelegateInboxEndpoint(metadata.Route, metadata.Handler, metadata.MissedDeliveryHandler));
                }
            });
        }

        return builder;
    }

    /// <summary>
    /// Maps a POST endpoint that receives DocMap deliveries and dispatches each verified event to a
    /// <typeparamref name="THandler"/> resolved from the request's services (created with its constructor
    /// dependencies when it is not registered). Answers as
    /// <see cref="MapDocMapWebhooks(IEndpointRouteBuilder, string, Delegate)"/> does: 200, 401, 413, 408, 400 or 500.
    /// When the delivery inbox is registered, the request records the delivery and answers 200 (or 503), and the handler
    /// runs in the background, resolved in a fresh DI scope (<see cref="DocMapWebhookHandler.HandleAsync"/>, and
    /// <see cref="DocMapWebhookHandler.OnMissedDeliveryAsync"/> for missed deliveries found by reconciliation).
    /// Needs no dynamic code.
    /// </summary>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, for example <c>/webhooks/docmap</c>.</param>
    /// <returns>The endpoint's convention builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddDocMapWebhooks</c> was not called on the service collection.</exception>
    public static IEndpointConventionBuilder MapDocMapWebhooks<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern)
        where THandler : DocMapWebhookHandler
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var inbox = endpoints.ServiceProvider.GetService<InboxAcceptor>();
        var endpoint = new DocMapWebhookClassHandlerEndpoint<THandler>(DocMapWebhookRuntime.From(endpoints.ServiceProvider), inbox, pattern);
        RequestDelegate requestDelegate = endpoint.InvokeAsync;
        var builder = endpoints.MapPost(pattern, requestDelegate)
            .WithMetadata(DocMapSignatureRequiredMetadata.Instance)
            .WithDisplayName($"DocMap webhooks {pattern} ({typeof(THandler).Name})");
        if (inbox is not null)
        {
            var registry = endpoints.ServiceProvider.GetRequiredService<InboxEndpointRegistry>();
            builder.Add(b => endpoint.Route = RouteOf(b, pattern));
            builder.Finally(b => registry.Register(endpoint, new ClassInboxEndpoint<THandler>(RouteOf(b, pattern))));
        }

        return builder;
    }

    /// <summary>
    /// Sets the handler of missed deliveries for an endpoint mapped with
    /// <see cref="MapDocMapWebhooks(IEndpointRouteBuilder, string, Delegate)"/>: deliveries DocMap's delivery log shows as
    /// failed whose event never reached the delivery inbox, found by its reconciliation (<c>AddReconciliation()</c>). It is
    /// the delegate handlers' counterpart of <see cref="DocMapWebhookHandler.OnMissedDeliveryAsync"/>: called once per
    /// delivery id across every instance sharing the inbox's store, in the background with the inbox's retries and dead
    /// letters (throwing, or setting a non-2xx status, is a failure). Its parameters bind as in minimal APIs: a
    /// <see cref="WebhookDelivery"/> parameter receives the delivery-log record, a <see cref="CancellationToken"/> the
    /// attempt's token, and other parameters come from DI (a fresh scope). Without the inbox it is never called. An
    /// endpoint without one completes missed deliveries without doing anything (the log carries no body).
    /// </summary>
    /// <param name="builder">The convention builder <c>MapDocMapWebhooks(pattern, Delegate)</c> returned.</param>
    /// <param name="handler">The delegate called with each missed delivery.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// Thrown when the endpoints are built if the endpoint was not mapped with <c>MapDocMapWebhooks(pattern, Delegate)</c>
    /// while the inbox is registered.
    /// </exception>
    [RequiresUnreferencedCode(DynamicCodeMessage)]
    [RequiresDynamicCode(DynamicCodeMessage)]
    public static RouteHandlerBuilder OnDocMapMissedDelivery(this RouteHandlerBuilder builder, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(handler);
        builder.Add(endpoint =>
        {
            if (endpoint.ApplicationServices.GetService<InboxEndpointRegistry>() is null)
            {
                return; // no inbox: no missed deliveries
            }

            var metadata = endpoint.Metadata.OfType<InboxEndpointMetadata>().LastOrDefault() ?? throw new InvalidOperationException(
                $"OnDocMapMissedDelivery applies to endpoints mapped with MapDocMapWebhooks(pattern, Delegate); '{endpoint.DisplayName}' is not one. A DocMapWebhookHandler class overrides OnMissedDeliveryAsync instead.");
            metadata.MissedDeliveryHandler = RequestDelegateFactory.Create(
                handler,
                new RequestDelegateFactoryOptions { ServiceProvider = endpoint.ApplicationServices, DisableInferBodyFromParameters = true }).RequestDelegate;
        });
        return builder;
    }

    /// <summary>
    /// Requires a verified DocMap signature on the endpoint (or every endpoint of a group), for apps that keep their
    /// own handlers. The body is read once within the limit and verified before model binding; it is then rewound, so
    /// <c>[FromBody]</c> and minimal-API body binding still read it, and the verified event is available from
    /// <see cref="DocMapWebhookHttpContextExtensions.GetDocMapWebhookEvent(HttpContext)"/> (and as a
    /// <see cref="WebhookEvent"/> handler parameter). Failures answer 401, 413, 408 or 400 as the mapped endpoint does; the
    /// endpoint's own exceptions are not caught. <c>UseDocMapWebhookSignatures()</c> runs the check earlier in the
    /// pipeline; without it the endpoint checks itself before it binds. These endpoints are your own handlers: the
    /// delivery inbox never queues their deliveries (they run inside the request, with or without the inbox).
    /// </summary>
    /// <typeparam name="TBuilder">The convention builder type.</typeparam>
    /// <param name="builder">The endpoint or group convention builder.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// Thrown when the endpoints are built if an endpoint has no request delegate to wrap (it is never served unverified).
    /// </exception>
    public static TBuilder RequireDocMapSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint =>
        {
            endpoint.Metadata.Add(DocMapSignatureRequiredMetadata.Instance);
            // Fail closed: an endpoint whose handler is not known yet cannot be wrapped, and leaving it unwrapped
            // would serve it without any signature check.
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException(
                $"RequireDocMapSignature() cannot protect the endpoint '{endpoint.DisplayName}': it has no request delegate when the convention runs. " +
                "Apply it to an endpoint that has its handler (MapPost, MapControllers, a route group), or use MapDocMapWebhooks.");
            var runtime = DocMapWebhookRuntime.From(endpoint.ApplicationServices);
            endpoint.RequestDelegate = context => DocMapWebhookProcessor.VerifyThenInvokeAsync(context, inner, runtime, ownsEndpoint: false);
        });
        return builder;
    }

    /// <summary>The endpoint's full route pattern (group prefixes included), as the inbox names endpoints.</summary>
    private static string RouteOf(EndpointBuilder endpoint, string pattern) =>
        (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText is { Length: > 0 } raw ? raw : pattern;
}

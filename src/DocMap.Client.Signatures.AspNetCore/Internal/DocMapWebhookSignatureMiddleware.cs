using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Verifies requests routed to endpoints marked with <see cref="DocMapSignatureRequiredMetadata"/> before the rest of
/// the pipeline (and the endpoint's model binding) runs.
/// </summary>
internal sealed class DocMapWebhookSignatureMiddleware
{
    private readonly RequestDelegate _next;
    private readonly DocMapWebhookRuntime _runtime;

    public DocMapWebhookSignatureMiddleware(RequestDelegate next, DocMapWebhookRuntime runtime)
    {
        _next = next;
        _runtime = runtime;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DocMapSignatureRequiredMetadata>() is null ||
            context.Features.Get<DocMapWebhookFeature>() is not null)
        {
            return _next(context);
        }

        return DocMapWebhookProcessor.VerifyThenInvokeAsync(context, _next, _runtime, ownsEndpoint: false);
    }
}

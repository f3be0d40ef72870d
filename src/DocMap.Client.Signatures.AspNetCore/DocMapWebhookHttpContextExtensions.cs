using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Internal;
using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Access to the verified DocMap delivery of a request.</summary>
public static class DocMapWebhookHttpContextExtensions
{
    /// <summary>
    /// The verified event of this request, or <see langword="null"/> when the request carried no verified DocMap
    /// delivery (the endpoint is not mapped with <c>MapDocMapWebhooks</c> or marked with <c>RequireDocMapSignature()</c>,
    /// or verification has not run yet). In a background run of the delivery inbox it is the accepted delivery's event.
    /// </summary>
    /// <param name="context">The HTTP context.</param>
    /// <returns>The verified event, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    public static WebhookEvent? GetDocMapWebhookEvent(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<DocMapWebhookFeature>()?.Event;
    }

    /// <summary>
    /// The verification result of this request's DocMap delivery (which secret matched), or <see langword="null"/>
    /// when the request carried no verified delivery, and in a background run of the delivery inbox (the signature was
    /// verified when the delivery was accepted; which secret matched is not kept).
    /// </summary>
    /// <param name="context">The HTTP context.</param>
    /// <returns>The successful verification result, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is <see langword="null"/>.</exception>
    public static WebhookVerificationResult? GetDocMapWebhookVerification(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<DocMapWebhookFeature>()?.Verification;
    }
}

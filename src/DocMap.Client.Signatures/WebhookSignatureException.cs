using System;

namespace DocMap.Client.Signatures;

/// <summary>A webhook delivery's signature did not verify. The message never contains a secret, signature or body.</summary>
public sealed class WebhookSignatureException : Exception
{
    /// <summary>Creates the exception for a failure reason.</summary>
    /// <param name="reason">Why verification failed.</param>
    public WebhookSignatureException(WebhookSignatureFailureReason reason)
        : base(DescribeReason(reason))
    {
        Reason = reason;
    }

    /// <summary>Creates the exception for a failure reason with a custom message.</summary>
    /// <param name="reason">Why verification failed.</param>
    /// <param name="message">The message (must not contain secrets).</param>
    public WebhookSignatureException(WebhookSignatureFailureReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>Why verification failed.</summary>
    public WebhookSignatureFailureReason Reason { get; }

    internal static string DescribeReason(WebhookSignatureFailureReason reason) => reason switch
    {
        WebhookSignatureFailureReason.MissingSignature => "The webhook delivery carries no signature header.",
        WebhookSignatureFailureReason.MalformedSignature => "The webhook signature header holds no well-formed HMAC-SHA256 signature.",
        WebhookSignatureFailureReason.SignatureMismatch => "The webhook signature does not match the payload under any configured secret.",
        _ => "The webhook signature did not verify.",
    };
}

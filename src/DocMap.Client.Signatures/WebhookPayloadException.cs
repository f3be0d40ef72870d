using System;

namespace DocMap.Client.Signatures;

/// <summary>A webhook body that verified but cannot be read as a DocMap event (not UTF-8, not JSON, or not a JSON object).</summary>
public sealed class WebhookPayloadException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the body (never the body itself).</param>
    public WebhookPayloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is wrong with the body.</param>
    /// <param name="innerException">The parser's exception.</param>
    public WebhookPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace DocMap.Client.Signatures;

/// <summary>Why a webhook signature did not verify.</summary>
public enum WebhookSignatureFailureReason
{
    /// <summary>The signature verified.</summary>
    None = 0,

    /// <summary>The signature header is absent or empty.</summary>
    MissingSignature = 1,

    /// <summary>The header carries no entry that is a well-formed signature (64 hex characters, optionally after <c>sha256=</c>).</summary>
    MalformedSignature = 2,

    /// <summary>The header carries well-formed signatures but none matches the payload under any configured secret.</summary>
    SignatureMismatch = 3,
}

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

/// <summary>The outcome of verifying one delivery: valid, or the reason it is not.</summary>
public readonly struct WebhookVerificationResult
{
    private WebhookVerificationResult(WebhookSignatureFailureReason reason, int secretIndex, WebhookSecret? secret)
    {
        FailureReason = reason;
        MatchedSecretIndex = secretIndex;
        MatchedSecret = secret;
    }

    /// <summary>Whether the signature verified.</summary>
    public bool IsValid => FailureReason == WebhookSignatureFailureReason.None && MatchedSecret is not null;

    /// <summary>Why verification failed, or <see cref="WebhookSignatureFailureReason.None"/>.</summary>
    public WebhookSignatureFailureReason FailureReason { get; }

    /// <summary>The index, in the verifier's secrets, of the secret that matched; -1 when none did.</summary>
    public int MatchedSecretIndex { get; }

    /// <summary>The secret that matched, or <see langword="null"/>. Its <c>ToString()</c> is redacted.</summary>
    public WebhookSecret? MatchedSecret { get; }

    internal static WebhookVerificationResult Success(int index, WebhookSecret secret) =>
        new(WebhookSignatureFailureReason.None, index, secret);

    internal static WebhookVerificationResult Failure(WebhookSignatureFailureReason reason) => new(reason, -1, null);

    /// <inheritdoc />
    public override string ToString() =>
        IsValid ? $"Valid (secret #{MatchedSecretIndex}, fingerprint {MatchedSecret!.Fingerprint})" : $"Invalid ({FailureReason})";
}

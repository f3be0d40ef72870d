namespace DocMap.Client.Signatures;

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

using System.Text.Json.Serialization;
using DocMap.Client.Signatures;

namespace DocMap.Client;

/// <summary>The result of creating a webhook: the signing secret (returned only once) and the webhook.</summary>
/// <remarks>
/// The SDK creates instances when it reads a response; build one in your tests with
/// <see cref="DocMapModelFactory.CreateWebhookResult"/>. Equality is reference equality. <see cref="ToString"/> never
/// shows the secret.
/// </remarks>
public sealed class CreateWebhookResult
{
    private WebhookSecret? _webhookSecret;

    [JsonConstructor]
    internal CreateWebhookResult()
    {
    }

    /// <summary>
    /// The HMAC-SHA256 signing secret exactly as DocMap returned it (documented as 64 hexadecimal characters). DocMap
    /// returns it only here: store it safely. It is kept as text whatever its format, so it is never lost.
    /// </summary>
    public required string Secret { get; init; }

    /// <summary>The created webhook.</summary>
    public required Webhook Webhook { get; init; }

    /// <summary>
    /// <see cref="Secret"/> as a <see cref="Signatures.WebhookSecret"/>, ready for <c>WebhookSignatureVerifier</c>
    /// (parsed on first use, then kept).
    /// </summary>
    /// <exception cref="FormatException">
    /// The secret DocMap returned is not 64 hexadecimal characters (the message never contains it); the text is still in
    /// <see cref="Secret"/>.
    /// </exception>
    [JsonIgnore]
    public WebhookSecret WebhookSecret
    {
        get
        {
            var parsed = Volatile.Read(ref _webhookSecret);
            if (parsed is not null)
            {
                return parsed;
            }

            if (!WebhookSecret.TryParse(Secret, out parsed))
            {
                throw new FormatException(
                    $"The signing secret DocMap returned is not {WebhookSecret.Length} hexadecimal characters (it has {Secret?.Length ?? 0} characters), " +
                    "so it cannot be used as a WebhookSecret. Its text is still in CreateWebhookResult.Secret: store it.");
            }

            return Interlocked.CompareExchange(ref _webhookSecret, parsed, null) ?? parsed!;
        }
    }

    /// <summary>Prints the webhook and hides the secret.</summary>
    /// <returns><c>CreateWebhookResult { Secret = ****, Webhook = ... }</c>.</returns>
    public override string ToString() => $"CreateWebhookResult {{ Secret = ****, Webhook = {Webhook} }}";
}

namespace DocMap.Client.Testing;

/// <summary>The answer of <c>POST /v1/webhooks</c> (and <c>POST /_emulator/webhooks</c>): the secret, once, and the webhook.</summary>
internal sealed class CreateWebhookResultDto
{
    public required string Secret { get; init; }

    public required WebhookDto Webhook { get; init; }
}

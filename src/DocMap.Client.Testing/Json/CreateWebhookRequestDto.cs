namespace DocMap.Client.Testing;

/// <summary>
/// The body of <c>POST /v1/webhooks</c> (<c>url</c>, <c>events</c>) and of <c>POST /_emulator/webhooks</c> (which also
/// takes <c>secret</c>; <c>POST /v1/webhooks</c> ignores it, as DocMap would). Unknown members are ignored.
/// </summary>
internal sealed class CreateWebhookRequestDto
{
    public string? Url { get; init; }

    public IReadOnlyList<string?>? Events { get; init; }

    public string? Secret { get; init; }
}

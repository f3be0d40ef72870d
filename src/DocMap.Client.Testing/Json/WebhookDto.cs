namespace DocMap.Client.Testing;

/// <summary>A webhook as DocMap returns it (never with its secret).</summary>
internal sealed class WebhookDto
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string Url { get; init; }

    public required IReadOnlyList<string> Events { get; init; }

    public required bool Active { get; init; }

    public required string CreatedAt { get; init; }
}

namespace DocMap.Client.Testing;

/// <summary>One entry of DocMap's delivery log (<c>GET /v1/webhooks/deliveries</c>).</summary>
internal class DeliveryDto
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string WebhookId { get; init; }

    public required string ExtractionId { get; init; }

    public required string Event { get; init; }

    public required string Url { get; init; }

    public required string Status { get; init; }

    public required int? HttpStatus { get; init; }

    public required string? Error { get; init; }

    public required long DurationMs { get; init; }

    public required string CreatedAt { get; init; }
}

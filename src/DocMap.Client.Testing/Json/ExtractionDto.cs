using System.Text.Json;

namespace DocMap.Client.Testing;

/// <summary>The extraction record a delivery carries as its <c>data</c>, built from an <c>ExtractionRecord</c>.</summary>
internal sealed class ExtractionDto
{
    public required string Id { get; init; }

    public required string? UserId { get; init; }

    public required string? TemplateId { get; init; }

    public required string? TemplateName { get; init; }

    public required string? FileName { get; init; }

    public required string? Status { get; init; }

    public required JsonElement? ExtractedData { get; init; }

    public required string? Error { get; init; }

    public required string? Source { get; init; }

    public required string? RunId { get; init; }

    public required long? ProcessingTimeMs { get; init; }

    public required string? CreatedAt { get; init; }
}

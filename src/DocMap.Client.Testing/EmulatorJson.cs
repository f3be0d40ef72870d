using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Testing;

// The wire shapes the emulator writes, exactly as DocMap documents them. Timestamps are pre-formatted strings
// (ISO 8601 UTC with milliseconds) so the bytes on the wire never depend on serializer settings.

internal sealed class DataEnvelopeDto<T>
{
    public required T Data { get; init; }
}

internal sealed class ErrorEnvelopeDto
{
    public required ErrorDto Error { get; init; }
}

internal sealed class ErrorDto
{
    public required string Code { get; init; }

    public required string Message { get; init; }
}

internal sealed class WebhookDto
{
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string Url { get; init; }

    public required IReadOnlyList<string> Events { get; init; }

    public required bool Active { get; init; }

    public required string CreatedAt { get; init; }
}

internal sealed class CreateWebhookResultDto
{
    public required string Secret { get; init; }

    public required WebhookDto Webhook { get; init; }
}

internal sealed class DeliveryDto
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

internal sealed class SuccessDto
{
    public bool Success { get; init; } = true;
}

internal sealed class DeliveryPayloadDto
{
    public required string Event { get; init; }

    public required string ExtractionId { get; init; }

    public required string CreatedAt { get; init; }

    public required ExtractionDto Data { get; init; }
}

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

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DataEnvelopeDto<CreateWebhookResultDto>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<WebhookDto>>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<DeliveryDto>>))]
[JsonSerializable(typeof(ErrorEnvelopeDto))]
[JsonSerializable(typeof(SuccessDto))]
[JsonSerializable(typeof(DeliveryPayloadDto))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
}

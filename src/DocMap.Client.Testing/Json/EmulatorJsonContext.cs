using System.Text.Json.Serialization;

namespace DocMap.Client.Testing;

/// <summary>
/// The emulator's source-generated JSON: every wire shape it reads or writes. camelCase, nulls written (DocMap's
/// documented shapes carry <c>null</c> members), unknown members in requests ignored. Timestamps are pre-formatted
/// strings (ISO 8601 UTC with milliseconds), so the bytes on the wire never depend on serializer settings.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DataEnvelopeDto<CreateWebhookResultDto>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<WebhookDto>>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<DeliveryDto>>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<LoggedDeliveryDto>>))]
[JsonSerializable(typeof(DataEnvelopeDto<IReadOnlyList<LoggedRequestDto>>))]
[JsonSerializable(typeof(DataEnvelopeDto<EmulatorInfoDto>))]
[JsonSerializable(typeof(DataEnvelopeDto<TriggerResultDto>))]
[JsonSerializable(typeof(DataEnvelopeDto<FaultResultDto>))]
[JsonSerializable(typeof(DataEnvelopeDto<ResetResultDto>))]
[JsonSerializable(typeof(ErrorEnvelopeDto))]
[JsonSerializable(typeof(SuccessDto))]
[JsonSerializable(typeof(DeliveryPayloadDto))]
[JsonSerializable(typeof(ExtractionDto))]
[JsonSerializable(typeof(CreateWebhookRequestDto))]
[JsonSerializable(typeof(TriggerRequestDto))]
[JsonSerializable(typeof(FaultRequestDto))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
}

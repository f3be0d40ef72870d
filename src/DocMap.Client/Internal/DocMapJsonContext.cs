using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Internal;

/// <summary>The error envelope <c>{"error":{"code","message"}}</c>.</summary>
internal sealed record ErrorEnvelope(ErrorBody? Error = null);

/// <summary>The inside of the error envelope.</summary>
internal sealed record ErrorBody(string? Code = null, string? Message = null);

/// <summary>
/// Source-generated JSON metadata for every type the client sends or receives. The output models' <c>required</c>
/// properties must be present in the JSON (and, being non-nullable, not <c>null</c>); their other properties
/// (<see cref="WebhookDelivery.HttpStatus"/>, <see cref="WebhookDelivery.Error"/>) read an omitted key as
/// <see langword="null"/>. The input's constructor parameters are required unless they have a default value.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(DataEnvelope<CreateWebhookResult>))]
[JsonSerializable(typeof(DataEnvelope<IReadOnlyList<WebhookDelivery>>))]
[JsonSerializable(typeof(DataEnvelope<IReadOnlyList<Webhook>>))]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class DocMapJsonContext : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocMap.Client.Internal;

/// <summary>The error envelope <c>{"error":{"code","message"}}</c>.</summary>
internal sealed record ErrorEnvelope(ErrorBody? Error = null);

/// <summary>The inside of the error envelope.</summary>
internal sealed record ErrorBody(string? Code = null, string? Message = null);

/// <summary>
/// Source-generated JSON metadata for every type the client sends or receives. Constructor parameters are required
/// unless they have a default value: every nullable member has one (<see langword="null"/>), so an omitted key reads as
/// <see langword="null"/> (<see cref="WebhookDelivery"/> has an internal JSON constructor for that).
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

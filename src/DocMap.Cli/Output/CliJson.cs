using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DocMap.Client;

namespace DocMap.Cli.Output;

// The JSON that `--json` prints. Every name and shape here is documented in docs/cli.md and is a contract: add
// members, never rename or remove one. Members are always present (null when there is no value).

/// <summary>A webhook, as <c>GET /v1/webhooks</c> returns it.</summary>
internal sealed record WebhookJson(string Id, string UserId, string Url, IReadOnlyList<string> Events, bool Active, string CreatedAt)
{
    public static WebhookJson From(Webhook webhook) => new(
        webhook.Id,
        webhook.UserId,
        webhook.Url,
        [.. webhook.Events.Select(e => e.ToString())],
        webhook.Active,
        CliJson.Timestamp(webhook.CreatedAt));
}

/// <summary>A delivery, as <c>GET /v1/webhooks/deliveries</c> returns it.</summary>
internal sealed record DeliveryJson(
    string Id,
    string UserId,
    string WebhookId,
    string ExtractionId,
    string Event,
    string Url,
    string Status,
    int? HttpStatus,
    string? Error,
    int DurationMs,
    string CreatedAt)
{
    public static DeliveryJson From(WebhookDelivery delivery) => new(
        delivery.Id,
        delivery.UserId,
        delivery.WebhookId,
        delivery.ExtractionId,
        delivery.Event.ToString(),
        delivery.Url,
        delivery.Status.ToString(),
        delivery.HttpStatus,
        delivery.Error,
        delivery.DurationMs,
        CliJson.Timestamp(delivery.CreatedAt));
}

internal sealed record WebhookListJson(IReadOnlyList<WebhookJson> Webhooks);

internal sealed record CreatedWebhookJson(WebhookJson Webhook, string? Secret, string? SecretFile);

internal sealed record DeletedWebhookJson(string Id, bool Deleted);

internal sealed record DeliveryListJson(IReadOnlyList<DeliveryJson> Deliveries);

/// <summary>A delivery the emulator made for <c>trigger</c> (the control API's shape).</summary>
internal sealed record TriggeredDeliveryJson(
    string Id,
    string WebhookId,
    string ExtractionId,
    string Event,
    string Url,
    string Status,
    int? HttpStatus,
    string? Error,
    long DurationMs,
    string CreatedAt);

internal sealed record EmulatorJson(string Name, string Version, string Url);

internal sealed record TriggerResultJson(EmulatorJson Emulator, IReadOnlyList<TriggeredDeliveryJson> Deliveries);

internal sealed record SignJson(string Signature, string HeaderName, string KeyDerivation);

internal sealed record VerifyJson(bool Valid, string Reason, string HeaderName, string KeyDerivation);

internal sealed record DiagnoseVariantJson(string KeyDerivation, string Body, string Encoding, string? HexCase, string Prefix, int SignatureIndex);

internal sealed record DiagnoseSettingJson(string Option, string ConfigurationKey, string EnvironmentVariable, string Value);

internal sealed record DiagnoseTriedJson(string KeyDerivation, string Body, bool Matched);

internal sealed record DiagnoseJson(
    bool Matched,
    DiagnoseVariantJson? Match,
    string HeaderName,
    IReadOnlyList<DiagnoseSettingJson> Settings,
    IReadOnlyList<string> Notes,
    IReadOnlyList<DiagnoseTriedJson> Tried);

/// <summary>How a <c>docmap emulator</c> signs its deliveries (names as in <c>sign</c>'s JSON).</summary>
internal sealed record EmulatorSignatureJson(string HeaderName, string KeyDerivation, string Prefix);

/// <summary><c>docmap emulator</c>'s first line: <c>ApiKey</c> is null when it was given with <c>--api-key</c> (not echoed).</summary>
internal sealed record EmulatorStartedJson(string Url, string? ApiKey, string UserId, CreatedWebhookJson? Webhook, EmulatorSignatureJson Signature);

internal sealed record ErrorDetailJson(string Kind, string Message, int? Status, string? Code, string? Method, string? Path);

internal sealed record ErrorJson(ErrorDetailJson Error);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(WebhookListJson))]
[JsonSerializable(typeof(CreatedWebhookJson))]
[JsonSerializable(typeof(DeletedWebhookJson))]
[JsonSerializable(typeof(DeliveryListJson))]
[JsonSerializable(typeof(DeliveryJson))]
[JsonSerializable(typeof(TriggerResultJson))]
[JsonSerializable(typeof(SignJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(DiagnoseJson))]
[JsonSerializable(typeof(EmulatorStartedJson))]
[JsonSerializable(typeof(ErrorJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

internal static class CliJson
{
    /// <summary>
    /// The context every document is written with: the generated metadata, and an encoder that leaves <c>+</c>, <c>&lt;</c>,
    /// <c>&amp;</c> and non-ASCII text readable (this JSON goes to a terminal or a script, never into HTML).
    /// </summary>
    public static CliJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>ISO 8601 in UTC with milliseconds, as DocMap writes timestamps: <c>2025-01-20T14:30:04.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

using System;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>
/// A parsed webhook delivery body. DocMap has not published the body's full shape, so it is read tolerantly:
/// the event type (<c>event</c>, or <c>type</c>), the extraction id where present (top-level <c>extractionId</c>,
/// else the record's <c>id</c>), the extraction record when the body carries one (<c>data</c>, or
/// <c>extraction</c>), and the raw JSON kept whole. Unknown fields, and known fields of an unexpected JSON kind, are
/// ignored (read as <see langword="null"/>); only a body that is not a JSON object fails.
/// </summary>
/// <example>
/// The body DocMap's emulator sends:
/// <code>
/// {"event":"extraction.completed","extractionId":"ext_1","createdAt":"2025-01-20T14:30:04.000Z",
///  "data":{"id":"ext_1","status":"completed","extractedData":{"total":42}}}
/// </code>
/// </example>
public sealed class WebhookEvent
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private WebhookEvent(WebhookEventType type, string? extractionId, DateTimeOffset? createdAt, ExtractionRecord? extraction, string rawJson)
    {
        Type = type;
        ExtractionId = extractionId;
        CreatedAt = createdAt;
        Extraction = extraction;
        RawJson = rawJson;
    }

    /// <summary>The event type; <c>default</c> (<see cref="WebhookEventType.IsDefault"/>) when the body names none.</summary>
    public WebhookEventType Type { get; }

    /// <summary>The extraction id (top-level <c>extractionId</c>, or the extraction record's <c>id</c>), where present.</summary>
    public string? ExtractionId { get; }

    /// <summary>When the event was created (top-level <c>createdAt</c>), where present and readable as a timestamp.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>The extraction record, when the body carries one (in <c>data</c> or <c>extraction</c>).</summary>
    public ExtractionRecord? Extraction { get; }

    /// <summary>The body exactly as received, as text (a leading byte-order mark is dropped).</summary>
    public string RawJson { get; }

    /// <summary>Parses a delivery body.</summary>
    /// <param name="utf8Json">The body bytes (UTF-8).</param>
    /// <returns>The event.</returns>
    /// <exception cref="WebhookPayloadException">The body is not UTF-8, not JSON, or not a JSON object.</exception>
    public static WebhookEvent Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length >= 3 && utf8Json[0] == 0xEF && utf8Json[1] == 0xBB && utf8Json[2] == 0xBF)
        {
            utf8Json = utf8Json.Slice(3);
        }

        string raw;
        try
        {
#if NET
            raw = StrictUtf8.GetString(utf8Json);
#else
            raw = StrictUtf8.GetString(utf8Json.ToArray());
#endif
        }
        catch (ArgumentException ex)
        {
            // DecoderFallbackException is an ArgumentException.
            throw new WebhookPayloadException("The webhook body is not valid UTF-8.", ex);
        }

        return ParseCore(utf8Json, raw);
    }

    /// <summary>Parses a delivery body given as text.</summary>
    /// <param name="json">The body text.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="WebhookPayloadException">The body is not valid text (lone surrogates), not JSON, or not a JSON object.</exception>
    public static WebhookEvent Parse(string json)
    {
        if (json is null)
        {
            throw new ArgumentNullException(nameof(json));
        }

        if (json.Length > 0 && json[0] == '\uFEFF')
        {
            json = json.Substring(1);
        }

        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (ArgumentException ex)
        {
            // EncoderFallbackException is an ArgumentException.
            throw new WebhookPayloadException("The webhook body is not valid Unicode text.", ex);
        }

        return ParseCore(utf8, json);
    }

    /// <summary>
    /// A summary for logs: the event type and extraction id (never the body), with control characters in them escaped
    /// by <see cref="WebhookLogValue.Escape(string?)"/> so a signed body cannot forge log lines through it.
    /// </summary>
    /// <returns>The summary.</returns>
    public override string ToString() =>
        $"WebhookEvent({(Type.IsDefault ? "(no type)" : WebhookLogValue.Escape(Type.ToString()))}, extraction {WebhookLogValue.Escape(ExtractionId) ?? "(none)"})";

    private static WebhookEvent ParseCore(ReadOnlySpan<byte> utf8, string raw)
    {
        // JsonDocument keeps a reference to its input, so it parses a pooled copy and is disposed before the copy
        // is returned; everything kept from it (strings, the cloned extracted data) is independent of the buffer.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, utf8.Length));
        try
        {
            utf8.CopyTo(buffer);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsMemory(0, utf8.Length));
            }
            catch (JsonException ex)
            {
                throw new WebhookPayloadException(
                    $"The webhook body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).", ex);
            }

            using (document)
            {
                return FromRoot(document.RootElement, raw);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private static WebhookEvent FromRoot(JsonElement root, string raw)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new WebhookPayloadException($"The webhook body must be a JSON object, not {Describe(root.ValueKind)}.");
        }

        var typeText = JsonRead.FirstString(root, "event", "type");
        var type = string.IsNullOrWhiteSpace(typeText) ? default : new WebhookEventType(typeText!);

        ExtractionRecord? extraction = JsonRead.TryFirstObject(root, "data", "extraction", out var data)
            ? ExtractionRecord.FromJson(data)
            : null;

        var extractionId = JsonRead.String(root, "extractionId");
        if (string.IsNullOrEmpty(extractionId))
        {
            extractionId = extraction?.Id;
        }

        return new WebhookEvent(type, extractionId, JsonRead.DateTime(root, "createdAt"), extraction, raw);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}

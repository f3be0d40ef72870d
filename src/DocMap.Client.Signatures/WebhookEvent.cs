using System;
using System.Text;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>
/// A parsed webhook delivery body. DocMap has not published the body's full shape, so it is read tolerantly:
/// the event type (<c>event</c> or <c>type</c>), the extraction id where present, the extraction record when the
/// body carries one, and the raw JSON kept whole.
/// </summary>
public sealed class WebhookEvent
{
    private WebhookEvent(WebhookEventType type, string? extractionId, ExtractionRecord? extraction, string rawJson)
    {
        Type = type;
        ExtractionId = extractionId;
        Extraction = extraction;
        RawJson = rawJson;
    }

    /// <summary>The event type; <c>default</c> when the body names none.</summary>
    public WebhookEventType Type { get; }

    /// <summary>The extraction id (top-level <c>extractionId</c>, or the extraction record's <c>id</c>), where present.</summary>
    public string? ExtractionId { get; }

    /// <summary>The extraction record, when the body carries one (in <c>data</c> or <c>extraction</c>).</summary>
    public ExtractionRecord? Extraction { get; }

    /// <summary>The body exactly as received, as text.</summary>
    public string RawJson { get; }

    /// <summary>Parses a delivery body.</summary>
    /// <param name="utf8Json">The body bytes.</param>
    /// <returns>The event.</returns>
    /// <exception cref="WebhookPayloadException">The body is not a JSON object.</exception>
    public static WebhookEvent Parse(ReadOnlySpan<byte> utf8Json)
    {
        string raw;
        try
        {
#if NET
            raw = Encoding.UTF8.GetString(utf8Json);
#else
            raw = Encoding.UTF8.GetString(utf8Json.ToArray());
#endif
        }
        catch (ArgumentException ex)
        {
            throw new WebhookPayloadException("The webhook body is not valid UTF-8.", ex);
        }

        return ParseCore(utf8Json.ToArray(), raw);
    }

    /// <summary>Parses a delivery body given as text.</summary>
    /// <param name="json">The body text.</param>
    /// <returns>The event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="WebhookPayloadException">The body is not a JSON object.</exception>
    public static WebhookEvent Parse(string json)
    {
        if (json is null)
        {
            throw new ArgumentNullException(nameof(json));
        }

        return ParseCore(Encoding.UTF8.GetBytes(json), json);
    }

    private static WebhookEvent ParseCore(byte[] utf8, string raw)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            throw new WebhookPayloadException("The webhook body is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new WebhookPayloadException($"The webhook body must be a JSON object, not {root.ValueKind}.");
            }

            WebhookEventType type = default;
            if ((root.TryGetProperty("event", out var ev) || root.TryGetProperty("type", out ev)) &&
                ev.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(ev.GetString()))
            {
                type = new WebhookEventType(ev.GetString()!);
            }

            ExtractionRecord? extraction = null;
            if ((root.TryGetProperty("data", out var data) || root.TryGetProperty("extraction", out data)) &&
                data.ValueKind == JsonValueKind.Object)
            {
                extraction = ExtractionRecord.FromJson(data);
            }

            string? extractionId = null;
            if (root.TryGetProperty("extractionId", out var idElement) && idElement.ValueKind == JsonValueKind.String)
            {
                extractionId = idElement.GetString();
            }

            extractionId ??= extraction?.Id;
            return new WebhookEvent(type, extractionId, extraction, raw);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"WebhookEvent({Type}, extraction {ExtractionId ?? "(none)"})";
}

/// <summary>A webhook body that verified but cannot be read as a DocMap event (not JSON, or not a JSON object).</summary>
public sealed class WebhookPayloadException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the body (never the body itself).</param>
    public WebhookPayloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is wrong with the body.</param>
    /// <param name="innerException">The parser's exception.</param>
    public WebhookPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

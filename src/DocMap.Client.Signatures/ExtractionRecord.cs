using System;
using System.Globalization;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>
/// DocMap's documented extraction record, as a delivery may carry it. Every property is optional: a field DocMap
/// omits is <see langword="null"/>, and unknown fields are ignored.
/// </summary>
public sealed class ExtractionRecord
{
    /// <summary>The extraction id.</summary>
    public string? Id { get; init; }

    /// <summary>The owning user's id.</summary>
    public string? UserId { get; init; }

    /// <summary>The template's id.</summary>
    public string? TemplateId { get; init; }

    /// <summary>The template's name.</summary>
    public string? TemplateName { get; init; }

    /// <summary>The source file's name.</summary>
    public string? FileName { get; init; }

    /// <summary>The extraction status, for example <c>completed</c> or <c>failed</c>.</summary>
    public string? Status { get; init; }

    /// <summary>The extracted data as raw JSON (any shape), or <see langword="null"/>.</summary>
    public JsonElement? ExtractedData { get; init; }

    /// <summary>The error message of a failed extraction.</summary>
    public string? Error { get; init; }

    /// <summary>Where the extraction came from (for example <c>api</c>).</summary>
    public string? Source { get; init; }

    /// <summary>The run id, where the extraction belongs to a run.</summary>
    public string? RunId { get; init; }

    /// <summary>How long processing took, in milliseconds.</summary>
    public long? ProcessingTimeMs { get; init; }

    /// <summary>When the extraction was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    internal static ExtractionRecord FromJson(JsonElement e) => new()
    {
        Id = GetString(e, "id"),
        UserId = GetString(e, "userId"),
        TemplateId = GetString(e, "templateId"),
        TemplateName = GetString(e, "templateName"),
        FileName = GetString(e, "fileName"),
        Status = GetString(e, "status"),
        ExtractedData = e.TryGetProperty("extractedData", out var d) && d.ValueKind != JsonValueKind.Null ? d.Clone() : null,
        Error = GetString(e, "error"),
        Source = GetString(e, "source"),
        RunId = GetString(e, "runId"),
        ProcessingTimeMs = e.TryGetProperty("processingTimeMs", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var ms) ? ms : null,
        CreatedAt = GetString(e, "createdAt") is { } s &&
                    DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null,
    };

    private static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

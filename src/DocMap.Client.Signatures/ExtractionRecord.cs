using System;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>
/// DocMap's documented extraction record, as a delivery may carry it. Every property is optional: a field DocMap
/// omits, or sends as an unexpected JSON kind, is <see langword="null"/>, and unknown fields are ignored.
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

    /// <summary>The extracted data as raw JSON (any shape), or <see langword="null"/> when absent or JSON <c>null</c>.</summary>
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

    /// <summary>
    /// A summary for logs: id, status and template (never the extracted data), with control characters in them escaped
    /// by <see cref="WebhookLogValue.Escape(string?)"/>.
    /// </summary>
    /// <returns>The summary.</returns>
    public override string ToString() =>
        $"ExtractionRecord({WebhookLogValue.Escape(Id) ?? "(no id)"}, status {WebhookLogValue.Escape(Status) ?? "(none)"}, template {WebhookLogValue.Escape(TemplateId) ?? "(none)"})";

    internal static ExtractionRecord FromJson(JsonElement e) => new()
    {
        Id = JsonRead.String(e, "id"),
        UserId = JsonRead.String(e, "userId"),
        TemplateId = JsonRead.String(e, "templateId"),
        TemplateName = JsonRead.String(e, "templateName"),
        FileName = JsonRead.String(e, "fileName"),
        Status = JsonRead.String(e, "status"),
        ExtractedData = e.TryGetProperty("extractedData", out var d) && d.ValueKind != JsonValueKind.Null ? d.Clone() : null,
        Error = JsonRead.String(e, "error"),
        Source = JsonRead.String(e, "source"),
        RunId = JsonRead.String(e, "runId"),
        ProcessingTimeMs = JsonRead.Int64(e, "processingTimeMs"),
        CreatedAt = JsonRead.DateTime(e, "createdAt"),
    };
}

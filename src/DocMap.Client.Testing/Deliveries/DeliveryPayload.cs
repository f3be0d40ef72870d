using System.Text.Json;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// The exact body of one event's deliveries: <c>{"event","extractionId","createdAt","data":{extraction}}</c>, built
/// from an <see cref="ExtractionRecord"/> (<see cref="DocMapEmulator.TriggerAsync"/>) or from the JSON object given to
/// <c>POST /_emulator/trigger</c>. Missing <c>id</c>, <c>userId</c>, <c>status</c> and <c>createdAt</c> are filled in.
/// </summary>
internal sealed class DeliveryPayload
{
    private DeliveryPayload(string extractionId, byte[] body)
    {
        ExtractionId = extractionId;
        Body = body;
    }

    public string ExtractionId { get; }

    public byte[] Body { get; }

    public static DeliveryPayload FromRecord(WebhookEventType eventType, ExtractionRecord? extraction, string userId, DateTimeOffset now)
    {
        var data = BuildExtraction(eventType, extraction, userId, now, sampleId: null);
        return Create(eventType, data.Id, now, JsonSerializer.SerializeToElement(data, EmulatorJson.Context.ExtractionDto));
    }

    /// <summary>Builds the body around a caller's JSON extraction record.</summary>
    /// <param name="eventType">The event.</param>
    /// <param name="extractionId">The extraction id asked for, or null (then the record's <c>id</c>, or a new one).</param>
    /// <param name="data">The record (a JSON object), or null for the sample extraction.</param>
    /// <param name="userId">The emulator's user.</param>
    /// <param name="now">The event time.</param>
    /// <param name="error">Why the input is unusable, when the result is null.</param>
    public static DeliveryPayload? FromJson(
        WebhookEventType eventType,
        string? extractionId,
        JsonElement? data,
        string userId,
        DateTimeOffset now,
        out string? error)
    {
        error = null;
        if (data is not { ValueKind: not JsonValueKind.Null } record)
        {
            // No record: the sample extraction, under the id asked for (or a new one).
            var sample = BuildExtraction(eventType, null, userId, now, extractionId);
            return Create(eventType, sample.Id, now, JsonSerializer.SerializeToElement(sample, EmulatorJson.Context.ExtractionDto));
        }

        if (record.ValueKind != JsonValueKind.Object)
        {
            error = "data must be a JSON object (the extraction record).";
            return null;
        }

        string? recordId = null;
        if (record.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(idElement.GetString()))
            {
                error = "data.id must be a non-empty string when given.";
                return null;
            }

            recordId = idElement.GetString();
        }

        if (extractionId is not null && recordId is not null && !string.Equals(extractionId, recordId, StringComparison.Ordinal))
        {
            error = "extractionId and data.id differ; give one of them, or the same value.";
            return null;
        }

        var id = extractionId ?? recordId ?? EmulatorFormat.NewId("ext_");
        var failed = eventType == WebhookEventType.ExtractionFailed;

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in record.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            if (recordId is null)
            {
                writer.WriteString("id", id);
            }

            if (!record.TryGetProperty("userId", out _))
            {
                writer.WriteString("userId", userId);
            }

            if (!record.TryGetProperty("status", out _))
            {
                writer.WriteString("status", failed ? "failed" : "completed");
            }

            if (!record.TryGetProperty("createdAt", out _))
            {
                writer.WriteString("createdAt", EmulatorFormat.Timestamp(now));
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return Create(eventType, id, now, document.RootElement);
    }

    private static DeliveryPayload Create(WebhookEventType eventType, string extractionId, DateTimeOffset now, JsonElement data) => new(
        extractionId,
        JsonSerializer.SerializeToUtf8Bytes(
            new DeliveryPayloadDto
            {
                Event = eventType.Value!,
                ExtractionId = extractionId,
                CreatedAt = EmulatorFormat.Timestamp(now),
                Data = data,
            },
            EmulatorJson.Context.DeliveryPayloadDto));

    private static ExtractionDto BuildExtraction(
        WebhookEventType eventType,
        ExtractionRecord? extraction,
        string defaultUserId,
        DateTimeOffset now,
        string? sampleId)
    {
        var failed = eventType == WebhookEventType.ExtractionFailed;
        var id = extraction?.Id is { Length: > 0 } given ? given : sampleId ?? EmulatorFormat.NewId("ext_");
        var status = extraction?.Status ?? (failed ? "failed" : "completed");
        var createdAt = EmulatorFormat.Timestamp(extraction?.CreatedAt ?? now);
        var userId = extraction?.UserId ?? defaultUserId;

        if (extraction is null)
        {
            using var sample = JsonDocument.Parse("""{"invoiceNumber":"INV-0042","vendor":"Acme Corp","total":1250.5,"currency":"EUR"}""");
            return new ExtractionDto
            {
                Id = id,
                UserId = userId,
                TemplateId = "tpl_invoice",
                TemplateName = "Invoice",
                FileName = "invoice-0042.pdf",
                Status = status,
                ExtractedData = failed ? null : sample.RootElement.Clone(),
                Error = failed ? "The document could not be read." : null,
                Source = "api",
                RunId = null,
                ProcessingTimeMs = 1840,
                CreatedAt = createdAt,
            };
        }

        return new ExtractionDto
        {
            Id = id,
            UserId = userId,
            TemplateId = extraction.TemplateId,
            TemplateName = extraction.TemplateName,
            FileName = extraction.FileName,
            Status = status,
            ExtractedData = extraction.ExtractedData,
            Error = extraction.Error,
            Source = extraction.Source,
            RunId = extraction.RunId,
            ProcessingTimeMs = extraction.ProcessingTimeMs,
            CreatedAt = createdAt,
        };
    }
}

using System.Globalization;
using System.Text.Json;

namespace DocMap.Client.Testing;

/// <summary>Reads and validates the body of a webhook-create call (<c>POST /v1/webhooks</c>, <c>POST /_emulator/webhooks</c>).</summary>
internal static class WebhookInput
{
    private const int MaxUrlLength = 2048;
    private static readonly string[] AllEvents = [WebhookEventType.ExtractionCompleted.Value!, WebhookEventType.ExtractionFailed.Value!];

    /// <summary>Parses a JSON body into a request DTO; null with a 400 reply when it is not a JSON object of the expected shape.</summary>
    public static T? Parse<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, out Reply? failure)
        where T : class
    {
        failure = null;
        if (body.Length == 0)
        {
            failure = Reply.Validation("The request body must be a JSON object.");
            return null;
        }

        try
        {
            var parsed = JsonSerializer.Deserialize(body, typeInfo);
            if (parsed is null)
            {
                failure = Reply.Validation("The request body must be a JSON object.");
            }

            return parsed;
        }
        catch (JsonException ex)
        {
            // The path only (never the serializer's message, which may quote the input).
            failure = Reply.Validation($"The request body is not valid JSON for this call (at {ex.Path ?? "$"}).");
            return null;
        }
    }

    /// <summary>Validates a webhook URL: absolute http or https, at most 2,048 characters.</summary>
    public static string? ValidateUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "url is required.";
        }

        if (url.Length > MaxUrlLength ||
            !Uri.TryCreate(url, UriKind.Absolute, out var parsed) ||
            (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp) ||
            string.IsNullOrEmpty(parsed.Host))
        {
            return "url must be an absolute http or https URL of at most 2048 characters.";
        }

        return null;
    }

    /// <summary>
    /// Validates the event list: each a known event, duplicates dropped. Null or absent is an error when
    /// <paramref name="required"/>, otherwise both events.
    /// </summary>
    public static string[]? ValidateEvents(IReadOnlyList<string?>? events, bool required, out string? error)
    {
        error = null;
        if (events is null && !required)
        {
            return AllEvents;
        }

        if (events is null || events.Count == 0)
        {
            error = "events must be a non-empty array.";
            return null;
        }

        var result = new List<string>(2);
        for (var i = 0; i < events.Count; i++)
        {
            var value = events[i];
            if (string.IsNullOrWhiteSpace(value) || !new WebhookEventType(value).IsKnown)
            {
                error = $"events[{i.ToString(CultureInfo.InvariantCulture)}] must be one of extraction.completed, extraction.failed.";
                return null;
            }

            if (!result.Contains(value, StringComparer.Ordinal))
            {
                result.Add(value);
            }
        }

        return [.. result];
    }
}

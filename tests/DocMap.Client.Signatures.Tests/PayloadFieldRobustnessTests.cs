using System.Text;
using DocMap.Client.Signatures;
using FsCheck;
using FsCheck.Xunit;

namespace DocMap.Client.Signatures.Tests;

/// <summary>
/// Every known field of the payload, at the top level and in <c>data</c>, holding values a tolerant reader must
/// survive: escaped lone surrogates, other escapes, out-of-range numbers, unexpected JSON kinds.
/// </summary>
public sealed class PayloadFieldRobustnessTests
{
    private static readonly string[] TopFields = ["event", "type", "extractionId", "createdAt", "data", "extraction"];

    private static readonly string[] DataFields =
    [
        "id", "userId", "templateId", "templateName", "fileName", "status", "extractedData", "error", "source", "runId",
        "processingTimeMs", "createdAt",
    ];

    // JSON value texts, each valid JSON.
    private static readonly string[] AwkwardValues =
    [
        "\"2025-01-20T14:30:04\\ud800\"", "\"2025-01-20\\udfff\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"a\\u0000b\"",
        "\"\\ud83d\\ude00\"", "\"2025-01-20T14:30:04.000Z\"", "\"2025-01-20T14:30:04\"", "\"\\u0032025-01-20\"",
        "\"\"", "\" \"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "9223372036854775807", "9223372036854775808",
        "9.2233720368547758E18", "-9.2233720368547758E18", "-9.2233720368547778E18", "1e308", "-1e308", "1234.5",
        "0.5", "-0", "null", "true", "false", "[]", "{}", "[\"\\ud800\"]", "{\"\\ud800\":\"\\ud800\"}",
    ];

    [Theory]
    [InlineData("{\"createdAt\":\"2025-01-20T14:30:04\\ud800\"}")]
    [InlineData("{\"event\":\"extraction.completed\",\"createdAt\":\"2025-01-20T14:30:04\\ud800\"}")]
    [InlineData("{\"data\":{\"id\":\"x\",\"createdAt\":\"2025-01-20\\udfff\"}}")]
    [InlineData("{\"extraction\":{\"createdAt\":\"\\udfff\"}}")]
    [InlineData("{\"data\":{\"processingTimeMs\":9.2233720368547758E18}}")]
    [InlineData("{\"data\":{\"processingTimeMs\":-9.2233720368547778E18}}")]
    [InlineData("{\"\\ud800\":1,\"createdAt\":\"\\ud800\",\"data\":{\"\\udfff\":2}}")]
    public void Unreadable_known_fields_read_as_null_from_text_and_bytes(string json)
    {
        foreach (var parsed in new[] { WebhookEvent.Parse(json), WebhookEvent.Parse(Encoding.UTF8.GetBytes(json)) })
        {
            Assert.Null(parsed.CreatedAt);
            Assert.Null(parsed.Extraction?.CreatedAt);
            Assert.Null(parsed.Extraction?.ProcessingTimeMs);
            Assert.Equal(json, parsed.RawJson);
        }
    }

    [Property(MaxTest = 400)]
    public void Objects_with_any_values_in_known_fields_parse_or_fail_only_with_WebhookPayloadException(
        int[] picks, string[] texts, double[] numbers)
    {
        picks ??= [];
        texts ??= [];
        numbers ??= [];
        var cursor = 0;
        int Next(int bound) => picks.Length == 0 ? 0 : Math.Abs(picks[cursor++ % picks.Length] % bound);

        string Value(int depth)
        {
            switch (Next(5))
            {
                case 0:
                    return AwkwardValues[Next(AwkwardValues.Length)];
                case 1:
                    return texts.Length == 0 ? "\"\"" : EscapeEverything(texts[Next(texts.Length)] ?? string.Empty);
                case 2:
                    return numbers.Length == 0 ? "0" : FormatNumber(numbers[Next(numbers.Length)]);
                case 3 when depth == 0:
                    return Object(DataFields, depth + 1);
                default:
                    return AwkwardValues[Next(AwkwardValues.Length)];
            }
        }

        string Object(string[] fields, int depth)
        {
            var sb = new StringBuilder("{");
            foreach (var field in fields)
            {
                if (Next(4) == 0)
                {
                    continue;
                }

                if (sb.Length > 1)
                {
                    sb.Append(',');
                }

                sb.Append('"').Append(field).Append("\":").Append(field is "data" or "extraction" && Next(3) != 0 ? Object(DataFields, depth + 1) : Value(depth));
            }

            return sb.Append('}').ToString();
        }

        var json = Object(TopFields, 0);
        foreach (var attempt in new Func<WebhookEvent>[] { () => WebhookEvent.Parse(json), () => WebhookEvent.Parse(Encoding.UTF8.GetBytes(json)) })
        {
            try
            {
                var parsed = attempt();
                Assert.Equal(json, parsed.RawJson);
                _ = parsed.ToString();
            }
            catch (WebhookPayloadException)
            {
            }
        }
    }

    /// <summary>A JSON string literal with every UTF-16 unit written as a \uXXXX escape (lone surrogates included).</summary>
    private static string EscapeEverything(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.Append('"').ToString();
    }

    private static string FormatNumber(double d) =>
        double.IsNaN(d) || double.IsInfinity(d) ? "1e308" : d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

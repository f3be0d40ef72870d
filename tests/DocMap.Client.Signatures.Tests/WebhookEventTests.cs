using System.Text;
using System.Text.Json;
using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class WebhookEventTests
{
    // Exactly what the emulator sends.
    private const string Completed = """
        {"event":"extraction.completed","extractionId":"ext_8f3a","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"ext_8f3a","userId":"usr_42","templateId":"tpl_invoice","templateName":"Invoices","fileName":"invoice-0042.pdf","status":"completed","extractedData":{"total":1234.5,"currency":"EUR","lines":[{"sku":"A1"}]},"error":null,"source":"api","runId":"run_7","processingTimeMs":3120,"createdAt":"2025-01-20T14:29:58.250Z"}}
        """;

    private const string Failed = """
        {"event":"extraction.failed","extractionId":"ext_9","createdAt":"2025-01-20T14:31:00.000Z","data":{"id":"ext_9","status":"failed","extractedData":null,"error":"The document could not be read.","source":"dashboard","runId":null,"processingTimeMs":15}}
        """;

    [Fact]
    public void Parses_the_emulator_completed_body()
    {
        var e = WebhookEvent.Parse(Completed);

        Assert.Equal(WebhookEventType.ExtractionCompleted, e.Type);
        Assert.True(e.Type.IsKnown);
        Assert.Equal("ext_8f3a", e.ExtractionId);
        Assert.Equal(new DateTimeOffset(2025, 1, 20, 14, 30, 4, TimeSpan.Zero), e.CreatedAt);
        Assert.Equal(Completed, e.RawJson);

        var x = Assert.IsType<ExtractionRecord>(e.Extraction);
        Assert.Equal("ext_8f3a", x.Id);
        Assert.Equal("usr_42", x.UserId);
        Assert.Equal("tpl_invoice", x.TemplateId);
        Assert.Equal("Invoices", x.TemplateName);
        Assert.Equal("invoice-0042.pdf", x.FileName);
        Assert.Equal("completed", x.Status);
        Assert.Null(x.Error);
        Assert.Equal("api", x.Source);
        Assert.Equal("run_7", x.RunId);
        Assert.Equal(3120, x.ProcessingTimeMs);
        Assert.Equal(new DateTimeOffset(2025, 1, 20, 14, 29, 58, 250, TimeSpan.Zero), x.CreatedAt);

        var data = Assert.IsType<JsonElement>(x.ExtractedData);
        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.Equal(1234.5m, data.GetProperty("total").GetDecimal());
        Assert.Equal("A1", data.GetProperty("lines")[0].GetProperty("sku").GetString());
    }

    [Fact]
    public void Byte_and_string_parsing_agree()
    {
        var fromBytes = WebhookEvent.Parse(Encoding.UTF8.GetBytes(Completed));
        var fromText = WebhookEvent.Parse(Completed);

        Assert.Equal(fromText.Type, fromBytes.Type);
        Assert.Equal(fromText.ExtractionId, fromBytes.ExtractionId);
        Assert.Equal(fromText.CreatedAt, fromBytes.CreatedAt);
        Assert.Equal(fromText.RawJson, fromBytes.RawJson);
        Assert.Equal(fromText.Extraction!.ExtractedData!.Value.GetRawText(), fromBytes.Extraction!.ExtractedData!.Value.GetRawText());
    }

    [Fact]
    public void Parses_a_failed_extraction()
    {
        var e = WebhookEvent.Parse(Encoding.UTF8.GetBytes(Failed));

        Assert.Equal(WebhookEventType.ExtractionFailed, e.Type);
        Assert.Equal("ext_9", e.ExtractionId);
        Assert.Equal("failed", e.Extraction!.Status);
        Assert.Equal("The document could not be read.", e.Extraction.Error);
        Assert.Null(e.Extraction.ExtractedData);
        Assert.Null(e.Extraction.RunId);
        Assert.Null(e.Extraction.CreatedAt);
        Assert.Equal(15, e.Extraction.ProcessingTimeMs);
    }

    [Fact]
    public void Accepts_type_and_extraction_aliases_and_takes_the_id_from_the_record()
    {
        var e = WebhookEvent.Parse("""{"type":"extraction.failed","extraction":{"id":"ext_alias","status":"failed"}}""");

        Assert.Equal(WebhookEventType.ExtractionFailed, e.Type);
        Assert.Equal("ext_alias", e.ExtractionId);
        Assert.Equal("ext_alias", e.Extraction!.Id);
        Assert.Null(e.CreatedAt);
    }

    [Fact]
    public void Top_level_extraction_id_wins_over_the_record_id()
    {
        var e = WebhookEvent.Parse("""{"event":"extraction.completed","extractionId":"ext_top","data":{"id":"ext_inner"}}""");
        Assert.Equal("ext_top", e.ExtractionId);
        Assert.Equal("ext_inner", e.Extraction!.Id);
    }

    [Fact]
    public void Event_wins_over_type_and_data_over_extraction()
    {
        var e = WebhookEvent.Parse("""{"event":"extraction.completed","type":"extraction.failed","data":{"id":"a"},"extraction":{"id":"b"}}""");
        Assert.Equal(WebhookEventType.ExtractionCompleted, e.Type);
        Assert.Equal("a", e.ExtractionId);
    }

    [Fact]
    public void Unknown_event_types_round_trip()
    {
        var e = WebhookEvent.Parse("""{"event":"extraction.archived","extractionId":"ext_1"}""");
        Assert.Equal("extraction.archived", e.Type.Value);
        Assert.Equal("extraction.archived", e.Type.ToString());
        Assert.False(e.Type.IsKnown);
        Assert.False(e.Type.IsDefault);
        Assert.Null(e.Extraction);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData(" { } ")]
    [InlineData("{\"event\":\"\"}")]
    [InlineData("{\"event\":\"   \"}")]
    [InlineData("{\"event\":null,\"type\":null,\"data\":null,\"extractionId\":null}")]
    public void A_body_without_the_known_fields_parses_to_empties(string json)
    {
        var e = WebhookEvent.Parse(json);
        Assert.True(e.Type.IsDefault);
        Assert.Null(e.ExtractionId);
        Assert.Null(e.Extraction);
        Assert.Null(e.CreatedAt);
        Assert.Equal(json, e.RawJson);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var e = WebhookEvent.Parse("""
            {"id":"evt_1","apiVersion":"2025-01","livemode":true,"meta":{"a":[1,2,{"b":null}]},
             "event":"extraction.completed","extractionId":"ext_1",
             "data":{"id":"ext_1","pages":12,"confidence":0.98,"tags":["x"],"nested":{"deep":{"deeper":[]}}}}
            """);
        Assert.Equal(WebhookEventType.ExtractionCompleted, e.Type);
        Assert.Equal("ext_1", e.ExtractionId);
        Assert.Equal("ext_1", e.Extraction!.Id);
    }

    [Fact]
    public void Fields_of_unexpected_kinds_read_as_null()
    {
        var e = WebhookEvent.Parse("""
            {"event":42,"type":["extraction.completed"],"extractionId":7,"createdAt":1737383404,
             "data":{"id":99,"userId":true,"templateId":{},"templateName":[],"fileName":1.5,"status":{"s":1},
                     "error":{"code":"X","message":"m"},"source":false,"runId":3,"processingTimeMs":"fast","createdAt":"yesterday",
                     "extractedData":"a string is any shape"}}
            """);

        Assert.True(e.Type.IsDefault);
        Assert.Null(e.ExtractionId);
        Assert.Null(e.CreatedAt);
        var x = e.Extraction!;
        Assert.Null(x.Id);
        Assert.Null(x.UserId);
        Assert.Null(x.TemplateId);
        Assert.Null(x.TemplateName);
        Assert.Null(x.FileName);
        Assert.Null(x.Status);
        Assert.Null(x.Error);
        Assert.Null(x.Source);
        Assert.Null(x.RunId);
        Assert.Null(x.ProcessingTimeMs);
        Assert.Null(x.CreatedAt);
        Assert.Equal("a string is any shape", x.ExtractedData!.Value.GetString());
    }

    [Theory]
    [InlineData("\"data\":\"not an object\"")]
    [InlineData("\"data\":[1,2]")]
    [InlineData("\"data\":12")]
    [InlineData("\"extraction\":true")]
    public void A_record_that_is_not_an_object_is_absent(string field)
    {
        var e = WebhookEvent.Parse("{\"event\":\"extraction.completed\"," + field + "}");
        Assert.Equal(WebhookEventType.ExtractionCompleted, e.Type);
        Assert.Null(e.Extraction);
        Assert.Null(e.ExtractionId);
    }

    [Fact]
    public void Non_string_event_falls_back_to_type_and_non_object_data_falls_back_to_extraction()
    {
        var e = WebhookEvent.Parse("""{"event":1,"type":"extraction.failed","data":"x","extraction":{"id":"ext_2"}}""");
        Assert.Equal(WebhookEventType.ExtractionFailed, e.Type);
        Assert.Equal("ext_2", e.ExtractionId);
    }

    [Theory]
    [InlineData("1234.6", 1235L)]
    [InlineData("1.2e3", 1200L)]
    [InlineData("-5", -5L)]
    [InlineData("1e300", null)]
    public void Processing_time_reads_integral_and_rounds_fractional_numbers(string json, long? expected)
    {
        var e = WebhookEvent.Parse("{\"data\":{\"processingTimeMs\":" + json + "}}");
        Assert.Equal(expected, e.Extraction!.ProcessingTimeMs);
    }

    [Theory]
    [InlineData("2025-01-20T14:30:04.000Z", "2025-01-20T14:30:04+00:00")]
    [InlineData("2025-01-20T16:30:04+02:00", "2025-01-20T14:30:04+00:00")]
    [InlineData("2025-01-20T14:30:04", "2025-01-20T14:30:04+00:00")]
    public void Timestamps_are_read_as_instants(string wire, string expected)
    {
        var e = WebhookEvent.Parse("{\"createdAt\":\"" + wire + "\"}");
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, e.CreatedAt!.Value.UtcDateTime);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"event\":}")]
    [InlineData("{\"event\":\"extraction.completed\"")]
    [InlineData("{\"a\":1}{\"b\":2}")]
    [InlineData("{'event':'x'}")]
    public void Bodies_that_are_not_json_fail_with_a_payload_exception(string body)
    {
        var ex = Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(body));
        Assert.IsAssignableFrom<FormatException>(ex);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("[{\"event\":\"extraction.completed\"}]", "an array")]
    [InlineData("\"extraction.completed\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("true", "a boolean")]
    [InlineData("null", "null")]
    public void Bodies_that_are_not_json_objects_fail_with_a_payload_exception(string body, string kind)
    {
        var ex = Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(Encoding.UTF8.GetBytes(body)));
        Assert.Contains("must be a JSON object, not " + kind, ex.Message, StringComparison.Ordinal);
        Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(body));
    }

    [Fact]
    public void Bodies_that_are_not_utf8_fail_with_a_payload_exception()
    {
        byte[] body = [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'];
        var ex = Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(body));
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);

        Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(new byte[] { 0xFF, 0xFE, (byte)'{', (byte)'}' }));
        Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse("{\"a\":\"\uD800\"}"));
    }

    [Fact]
    public void A_leading_byte_order_mark_is_tolerated()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"event\":\"extraction.completed\"}")];
        Assert.Equal(WebhookEventType.ExtractionCompleted, WebhookEvent.Parse(body).Type);
        Assert.Equal("{\"event\":\"extraction.completed\"}", WebhookEvent.Parse(body).RawJson);
        Assert.Equal(WebhookEventType.ExtractionCompleted, WebhookEvent.Parse("\uFEFF{\"event\":\"extraction.completed\"}").Type);
    }

    [Fact]
    public void Non_ascii_text_is_kept_whole()
    {
        const string body = "{\"event\":\"extraction.completed\",\"data\":{\"fileName\":\"r\u00E9sum\u00E9 \U0001F680.pdf\"}}";
        var e = WebhookEvent.Parse(Encoding.UTF8.GetBytes(body));
        Assert.Equal("r\u00E9sum\u00E9 \U0001F680.pdf", e.Extraction!.FileName);
        Assert.Equal(body, e.RawJson);
    }

    [Fact]
    public void Too_deeply_nested_bodies_fail_with_a_payload_exception()
    {
        var body = "{\"data\":" + new string('[', 500) + new string(']', 500) + "}";
        Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse(body));
    }

    [Fact]
    public void Null_string_is_an_argument_error()
    {
        Assert.Equal("json", Assert.Throws<ArgumentNullException>(() => WebhookEvent.Parse((string)null!)).ParamName);
    }

    [Fact]
    public void Extracted_data_outlives_the_parse()
    {
        var e = WebhookEvent.Parse(Encoding.UTF8.GetBytes(Completed));

        // Parse the same body again (reusing pooled buffers) before reading the first result.
        for (var i = 0; i < 20; i++)
        {
            WebhookEvent.Parse(Encoding.UTF8.GetBytes(Failed));
        }

        Assert.Equal("EUR", e.Extraction!.ExtractedData!.Value.GetProperty("currency").GetString());
    }
}

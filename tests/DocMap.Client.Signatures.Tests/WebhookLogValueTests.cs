using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

/// <summary>WebhookLogValue.Escape: what a signed body can put in a log line, and what it cannot.</summary>
public sealed class WebhookLogValueTests
{
    [Theory]
    [InlineData("ext_123")]
    [InlineData("extraction.completed")]
    [InlineData("")]
    [InlineData("ünïcödé ✓ 日本 👍")]
    [InlineData("a\\u000Db back\\slash")]
    [InlineData("\u00A0no-break space")]
    [InlineData("emoji \U0001F600 outside the BMP")]
    public void Ordinary_values_come_back_as_the_same_instance(string value)
    {
        Assert.Same(value, WebhookLogValue.Escape(value));
    }

    [Theory]
    [InlineData("ext_1\u200B", "ext_1\\u200B")]
    [InlineData("zw\u200C\u200Dj\u2060\uFEFF", "zw\\u200C\\u200Dj\\u2060\\uFEFF")]
    [InlineData("soft\u00ADhyphen", "soft\\u00ADhyphen")]
    [InlineData("tag\U000E0041\U000E007F", "tag\\uDB40\\uDC41\\uDB40\\uDC7F")]
    [InlineData("\U0001F600\u200B\U0001F600", "\U0001F600\\u200B\U0001F600")]
    public void Invisible_format_characters_and_unpaired_surrogates_are_escaped_and_valid_pairs_kept(string value, string expected)
    {
        Assert.Equal(expected, WebhookLogValue.Escape(value));
    }

    [Fact]
    public void Unpaired_surrogates_are_escaped()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate (they are stored as UTF-8).
        Assert.Equal("lone\\uD800 high", WebhookLogValue.Escape("lone" + (char)0xD800 + " high"));
        Assert.Equal("lone \\uDC00low", WebhookLogValue.Escape("lone " + (char)0xDC00 + "low"));
        Assert.Equal("end\\uD83D", WebhookLogValue.Escape("end" + (char)0xD83D));
        Assert.Equal("\\uDC00\\uD800", WebhookLogValue.Escape(new string([(char)0xDC00, (char)0xD800])));
    }

    [Fact]
    public void Null_stays_null()
    {
        Assert.Null(WebhookLogValue.Escape(null));
    }

    [Theory]
    [InlineData("a\r\nb", "a\\r\\nb")]
    [InlineData("tab\there", "tab\\there")]
    [InlineData("\u001b[2Kcleared", "\\u001B[2Kcleared")]
    [InlineData("nul\0", "nul\\u0000")]
    [InlineData("del\u007f", "del\\u007F")]
    [InlineData("nel\u0085 csi\u009b", "nel\\u0085 csi\\u009B")]
    [InlineData("ls\u2028ps\u2029", "ls\\u2028ps\\u2029")]
    [InlineData("rlo\u202Eevil\u202C", "rlo\\u202Eevil\\u202C")]
    [InlineData("iso\u2066\u2067\u2068\u2069", "iso\\u2066\\u2067\\u2068\\u2069")]
    [InlineData("marks\u200E\u200F\u061C", "marks\\u200E\\u200F\\u061C")]
    [InlineData("\r\ninfo: Microsoft.Hosting.Lifetime[0]", "\\r\\ninfo: Microsoft.Hosting.Lifetime[0]")]
    public void Line_breaking_terminal_and_bidi_controls_are_escaped_and_nothing_else_changes(string value, string expected)
    {
        Assert.Equal(expected, WebhookLogValue.Escape(value));
    }

    [Fact]
    public void Every_C0_and_C1_control_is_escaped_and_no_printable_character_is()
    {
        for (var c = 0; c <= 0xFFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var text = ((char)c).ToString();
            var escaped = WebhookLogValue.Escape(text)!;
            var mustEscape = c < 0x20 || c is >= 0x7F and <= 0x9F || c is 0x2028 or 0x2029 or 0x061C or 0x200E or 0x200F ||
                             c is >= 0x202A and <= 0x202E || c is >= 0x2066 and <= 0x2069 ||
                             System.Globalization.CharUnicodeInfo.GetUnicodeCategory((char)c) == System.Globalization.UnicodeCategory.Format;
            if (mustEscape)
            {
                Assert.StartsWith("\\", escaped, StringComparison.Ordinal);
                Assert.All(escaped, ch => Assert.InRange(ch, ' ', '~'));
            }
            else
            {
                Assert.Same(text, escaped);
            }
        }
    }

    [Fact]
    public void Event_and_record_summaries_escape_what_came_from_the_body()
    {
        var webhook = WebhookEvent.Parse(
            "{\"event\":\"extraction.completed\\r\\nx\",\"extractionId\":\"ext_1\\r\\ninfo: forged\",\"data\":{\"id\":\"ext_1\",\"status\":\"ok\\u001b[31m\",\"templateId\":\"t\\u2028\"}}");

        Assert.Equal("WebhookEvent(extraction.completed\\r\\nx, extraction ext_1\\r\\ninfo: forged)", webhook.ToString());
        Assert.Equal("ExtractionRecord(ext_1, status ok\\u001B[31m, template t\\u2028)", webhook.Extraction!.ToString());

        // The parsed values themselves are untouched: only what goes to a log is escaped.
        Assert.Equal("ext_1\r\ninfo: forged", webhook.ExtractionId);
    }
}

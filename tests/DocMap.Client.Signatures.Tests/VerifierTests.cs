using System.Text;
using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class VerifierTests
{
    private static readonly byte[] Body = TestData.Utf8(TestData.DeliveryBody);
    private static readonly string Signature = WebhookSigner.Sign(TestData.Secret, Body);
    private static readonly string OtherSignature = WebhookSigner.Sign(TestData.OtherSecret, Body);
    private static readonly string ThirdSignature = WebhookSigner.Sign(TestData.ThirdSecret, Body);

    [Fact]
    public void Flipping_any_bit_of_the_body_fails()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        for (var bit = 0; bit < Body.Length * 8; bit++)
        {
            var changed = (byte[])Body.Clone();
            changed[bit / 8] ^= (byte)(1 << (bit % 8));
            var result = verifier.Verify(changed, Signature);
            Assert.False(result.IsValid, $"bit {bit}");
            Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, result.FailureReason);
        }

        Assert.True(verifier.Verify(Body, Signature).IsValid);
    }

    [Fact]
    public void Flipping_any_bit_of_the_signature_fails()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var mac = Convert.FromHexString(Signature);
        for (var bit = 0; bit < mac.Length * 8; bit++)
        {
            var changed = (byte[])mac.Clone();
            changed[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(
                WebhookSignatureFailureReason.SignatureMismatch,
                verifier.Verify(Body, Convert.ToHexString(changed)).FailureReason);
        }
    }

    [Fact]
    public void CRLF_and_LF_bodies_are_different_payloads()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var lf = "{\n  \"event\": \"extraction.completed\"\n}\n";
        var crlf = lf.Replace("\n", "\r\n", StringComparison.Ordinal);
        var lfSignature = WebhookSigner.Sign(TestData.Secret, lf);
        var crlfSignature = WebhookSigner.Sign(TestData.Secret, crlf);

        Assert.NotEqual(lfSignature, crlfSignature);
        Assert.True(verifier.Verify(lf, lfSignature).IsValid);
        Assert.True(verifier.Verify(crlf, crlfSignature).IsValid);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(crlf, lfSignature).FailureReason);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(TestData.Utf8(lf), crlfSignature).FailureReason);
    }

    [Fact]
    public void Invalid_utf8_bodies_verify_byte_for_byte_on_the_byte_path()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        byte[] body = [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0xFF, 0xFE, 0xED, 0xA0, 0x80];
        var signature = WebhookSigner.Sign(TestData.Secret, body);

        Assert.True(verifier.Verify(body, signature).IsValid);
        Assert.True(verifier.Verify(TestData.Segmented(body, 1, 7, 8), signature).IsValid);

        // Decoding such a body to text replaces the invalid bytes, so the text no longer carries the signed bytes.
        Assert.Equal(
            WebhookSignatureFailureReason.SignatureMismatch,
            verifier.Verify(Encoding.UTF8.GetString(body), signature).FailureReason);
    }

    [Fact]
    public void Emoji_and_other_non_ascii_text_verifies_on_the_string_and_byte_paths()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var text = "{\"templateName\":\"Factures \u00E9t\u00E9 \U0001F680\U0001F9FE \u65E5\u672C\u8A9E\",\"status\":\"completed\"}";
        var signature = WebhookSigner.Sign(TestData.Secret, text);

        Assert.Equal(signature, WebhookSigner.Sign(TestData.Secret, TestData.Utf8(text)));
        Assert.True(verifier.Verify(text, signature).IsValid);
        Assert.True(verifier.Verify(TestData.Utf8(text), signature).IsValid);
    }

    [Fact]
    public void Lone_surrogates_in_a_string_payload_are_hashed_as_utf8_replacement_characters()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var text = "a\uD800b\uDC00c\uD83D";
        var signature = WebhookSigner.Sign(TestData.Secret, text);

        Assert.Equal(signature, WebhookSigner.Sign(TestData.Secret, TestData.Utf8("a\uFFFDb\uFFFDc\uFFFD")));
        Assert.True(verifier.Verify(text, signature).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024 - 1)]
    [InlineData(16 * 1024)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024)]
    public void Large_string_payloads_with_multibyte_characters_across_buffer_boundaries_verify(int approximateLength)
    {
        // Mixes 1-, 2-, 3- and 4-byte UTF-8 sequences so that characters straddle the verifier's internal buffer.
        var builder = new StringBuilder(approximateLength + 8);
        var pieces = new[] { "a", "\u00E9", "\u20AC", "\U0001F680" };
        for (var i = 0; builder.Length < approximateLength; i++)
        {
            builder.Append(pieces[i % pieces.Length]);
        }

        var text = builder.ToString();
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var signature = WebhookSigner.Sign(TestData.Secret, TestData.Utf8(text));
        Assert.True(verifier.Verify(text, signature).IsValid);

        if (text.Length > 0)
        {
            var changed = text.Substring(0, text.Length - 1) + "b";
            Assert.False(verifier.Verify(changed, signature).IsValid);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024)]
    public void Bodies_of_every_size_verify_and_a_changed_last_byte_fails(int size)
    {
        var body = TestData.Pattern(size);
        var signature = WebhookSigner.Sign(TestData.Secret, body);
        var verifier = new WebhookSignatureVerifier(TestData.Secret);

        Assert.True(verifier.Verify(body, signature).IsValid);
        Assert.True(verifier.Verify(TestData.Segmented(body, size / 2), signature).IsValid);
        if (size > 0)
        {
            body[^1] ^= 0x01;
            Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(body, signature).FailureReason);
            Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(TestData.Segmented(body, size / 2), signature).FailureReason);
        }
    }

    [Fact]
    public void A_sequence_cut_at_every_offset_verifies()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        for (var cut = 0; cut <= Body.Length; cut++)
        {
            Assert.True(verifier.Verify(TestData.Segmented(Body, cut), Signature).IsValid, $"cut {cut}");
            Assert.True(verifier.Verify(TestData.Segmented(Body, cut / 2, cut, cut), Signature).IsValid, $"cuts {cut / 2},{cut},{cut}");
        }
    }

    [Theory]
    [InlineData(null, WebhookSignatureFailureReason.MissingSignature)]
    [InlineData("", WebhookSignatureFailureReason.MissingSignature)]
    [InlineData("   ", WebhookSignatureFailureReason.MissingSignature)]
    [InlineData("\t \t", WebhookSignatureFailureReason.MissingSignature)]
    [InlineData("sha256=", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("SHA256=", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("sha256", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("=", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData(",,,", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData(", \t,, ,\t", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("not-a-signature", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("sha1=0123456789abcdef0123456789abcdef01234567", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("md5=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("sha256=sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("t=1700000000,v1=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("\u00FC\u00FC\u00FC", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12\uFF13", WebhookSignatureFailureReason.MalformedSignature)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", WebhookSignatureFailureReason.SignatureMismatch)]
    [InlineData("sha256=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", WebhookSignatureFailureReason.SignatureMismatch)]
    public void Header_failures_name_their_reason(string? header, WebhookSignatureFailureReason reason)
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var result = verifier.Verify(Body, header);

        Assert.False(result.IsValid);
        Assert.Equal(reason, result.FailureReason);
        Assert.Equal(-1, result.MatchedSecretIndex);
        Assert.Null(result.MatchedSecret);
        Assert.Equal(reason, verifier.Verify(TestData.DeliveryBody, header).FailureReason);
        Assert.Equal(reason, verifier.Verify(TestData.Segmented(Body, 10), header).FailureReason);

        var thrown = Assert.Throws<WebhookSignatureException>(() => verifier.VerifyOrThrow(Body, header));
        Assert.Equal(reason, thrown.Reason);
        Assert.Equal(reason, Assert.Throws<WebhookSignatureException>(() => verifier.VerifyOrThrow(TestData.DeliveryBody, header)).Reason);
        Assert.Equal(reason, Assert.Throws<WebhookSignatureException>(() => verifier.VerifyOrThrow(TestData.Segmented(Body, 3), header)).Reason);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("sha256={0}")]
    [InlineData("SHA256={0}")]
    [InlineData("Sha256={0}")]
    [InlineData("  {0}  ")]
    [InlineData("\t{0}")]
    [InlineData("{0},")]
    [InlineData(",{0}")]
    [InlineData(", ,{0}, ,")]
    [InlineData("garbage,{0}")]
    [InlineData("sha256=,{0}")]
    [InlineData("\u00FC\u00E9\U0001F680 {0} \u65E5\u672C")]
    [InlineData("t=1700000000,v1=abc,{0}")]
    public void Accepted_header_forms(string format)
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        foreach (var signature in new[] { Signature, Signature.ToUpperInvariant() })
        {
            var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, signature);
            var result = verifier.Verify(Body, header);
            Assert.True(result.IsValid, header);
            Assert.Equal(WebhookSignatureFailureReason.None, result.FailureReason);
            Assert.Same(verifier.Secrets[0], result.MatchedSecret);
            Assert.True(verifier.VerifyOrThrow(Body, header).IsValid);
        }
    }

    [Fact]
    public void A_mixed_case_signature_verifies()
    {
        var mixed = new StringBuilder();
        for (var i = 0; i < Signature.Length; i++)
        {
            mixed.Append(i % 2 == 0 ? char.ToUpperInvariant(Signature[i]) : Signature[i]);
        }

        Assert.True(new WebhookSignatureVerifier(TestData.Secret).Verify(Body, mixed.ToString()).IsValid);
    }

    [Fact]
    public void Headers_of_ten_thousand_characters_are_handled()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);

        Assert.Equal(WebhookSignatureFailureReason.MalformedSignature, verifier.Verify(Body, new string('a', 10_000)).FailureReason);
        Assert.Equal(WebhookSignatureFailureReason.MalformedSignature, verifier.Verify(Body, new string(',', 10_000)).FailureReason);
        Assert.Equal(WebhookSignatureFailureReason.MissingSignature, verifier.Verify(Body, new string(' ', 10_000)).FailureReason);
        Assert.Equal(WebhookSignatureFailureReason.MalformedSignature, verifier.Verify(Body, new string('\u00E9', 10_000)).FailureReason);

        // Many short malformed entries, then the right signature: malformed entries are skipped and do not count
        // against MaxSignaturesPerHeader.
        var junk = new StringBuilder();
        while (junk.Length < 10_000 - Signature.Length - 1)
        {
            junk.Append("x,");
        }

        var header = junk + Signature;
        Assert.True(header.Length <= 10_000);
        Assert.True(verifier.Verify(Body, header).IsValid);

        // 160 well-formed wrong signatures (over 10,000 characters): only the first 8 are tried.
        var wrong = string.Join(",", Enumerable.Repeat(OtherSignature, 160)) + "," + Signature;
        Assert.True(wrong.Length > 10_000);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(Body, wrong).FailureReason);
    }

    [Fact]
    public void Several_secrets_report_which_one_matched()
    {
        var secrets = new[] { TestData.Secret, TestData.OtherSecret, TestData.ThirdSecret };
        var verifier = new WebhookSignatureVerifier(secrets);

        var first = verifier.Verify(Body, Signature);
        Assert.True(first.IsValid);
        Assert.Equal(0, first.MatchedSecretIndex);
        Assert.Same(secrets[0], first.MatchedSecret);

        var last = verifier.Verify(Body, ThirdSignature);
        Assert.True(last.IsValid);
        Assert.Equal(2, last.MatchedSecretIndex);
        Assert.Same(secrets[2], last.MatchedSecret);

        var middle = verifier.Verify(TestData.DeliveryBody, OtherSignature);
        Assert.Equal(1, middle.MatchedSecretIndex);
        Assert.Equal(1, verifier.Verify(TestData.Segmented(Body, 5, 50), OtherSignature).MatchedSecretIndex);

        var none = verifier.Verify(Body, WebhookSigner.Sign(WebhookSecret.Parse(new string('e', 64)), Body));
        Assert.False(none.IsValid);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, none.FailureReason);
        Assert.Equal(-1, none.MatchedSecretIndex);

        Assert.Equal(secrets, verifier.Secrets);
    }

    [Fact]
    public void Several_signatures_in_one_header_pass_when_any_matches()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);

        Assert.True(verifier.Verify(Body, $"{Signature},{OtherSignature},{ThirdSignature}").IsValid);
        Assert.True(verifier.Verify(Body, $"{OtherSignature} {ThirdSignature} {Signature}").IsValid);
        Assert.True(verifier.Verify(Body, $"sha256={OtherSignature}, sha256={Signature}").IsValid);
        Assert.Equal(
            WebhookSignatureFailureReason.SignatureMismatch,
            verifier.Verify(Body, $"{OtherSignature},{ThirdSignature}").FailureReason);

        // During a rotation the sender signs with old and new secret; a verifier that knows either passes.
        var rotating = new WebhookSignatureVerifier(TestData.OtherSecret, TestData.ThirdSecret);
        var both = $"{Signature},{ThirdSignature}";
        var result = rotating.Verify(Body, both);
        Assert.True(result.IsValid);
        Assert.Equal(1, result.MatchedSecretIndex);
    }

    [Fact]
    public void MaxSignaturesPerHeader_limits_the_entries_tried()
    {
        var wrong = Enumerable.Range(0, 10)
            .Select(i => WebhookSigner.Sign(TestData.OtherSecret, TestData.Utf8("other " + i)))
            .ToArray();

        var defaults = new WebhookSignatureVerifier(TestData.Secret);
        Assert.Equal(8, defaults.Options.MaxSignaturesPerHeader);
        Assert.True(defaults.Verify(Body, string.Join(",", wrong.Take(7).Append(Signature))).IsValid);
        Assert.Equal(
            WebhookSignatureFailureReason.SignatureMismatch,
            defaults.Verify(Body, string.Join(",", wrong.Take(8).Append(Signature))).FailureReason);

        var two = new WebhookSignatureVerifier(new WebhookSignatureOptions { MaxSignaturesPerHeader = 2 }, TestData.Secret);
        Assert.True(two.Verify(Body, $"{wrong[0]},{Signature},{wrong[1]}").IsValid);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, two.Verify(Body, $"{wrong[0]},{wrong[1]},{Signature}").FailureReason);

        // Malformed entries do not use up the allowance.
        var one = new WebhookSignatureVerifier(new WebhookSignatureOptions { MaxSignaturesPerHeader = 1 }, TestData.Secret);
        Assert.True(one.Verify(Body, $"junk,sha256=,{Signature}").IsValid);
        Assert.False(one.Verify(Body, $"{wrong[0]},{Signature}").IsValid);

        var many = new WebhookSignatureVerifier(new WebhookSignatureOptions { MaxSignaturesPerHeader = 100 }, TestData.Secret);
        Assert.True(many.Verify(Body, string.Join(",", wrong.Concat(wrong).Concat(wrong).Append(Signature))).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void MaxSignaturesPerHeader_below_one_is_rejected(int value)
    {
        var options = new WebhookSignatureOptions();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxSignaturesPerHeader = value);
        Assert.Equal("value", ex.ParamName);
        Assert.Equal(WebhookSignatureOptions.DefaultMaxSignaturesPerHeader, options.MaxSignaturesPerHeader);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_header_name_is_rejected(string? name)
    {
        var options = new WebhookSignatureOptions();
        var ex = Assert.ThrowsAny<ArgumentException>(() => options.HeaderName = name!);
        Assert.Equal("value", ex.ParamName);
        Assert.Equal("X-DocMap-Signature", options.HeaderName);
    }

    [Theory]
    [InlineData("X DocMap Signature")]
    [InlineData("X-DocMap-Signature:")]
    [InlineData("X-Sïgnature")]
    [InlineData("X-Signature\r\n")]
    [InlineData("(X-Signature)")]
    public void A_header_name_that_is_not_an_http_token_is_rejected(string name)
    {
        var options = new WebhookSignatureOptions();
        var ex = Assert.ThrowsAny<ArgumentException>(() => options.HeaderName = name);
        Assert.Contains("HTTP header name", ex.Message, StringComparison.Ordinal);
        Assert.Single(WebhookSignatureOptions.Validate(name, WebhookKeyDerivation.Utf8Text, 1));
        Assert.Equal("X-DocMap-Signature", options.HeaderName);
    }

    [Theory]
    [InlineData("X-Hub-Signature-256")]
    [InlineData("webhook_signature")]
    [InlineData("X.Sig!#$%&'*+^`|~")]
    public void Header_names_made_of_token_characters_are_accepted(string name)
    {
        var options = new WebhookSignatureOptions { HeaderName = name };
        Assert.Equal(name, options.HeaderName);
        Assert.Empty(WebhookSignatureOptions.Validate(name, WebhookKeyDerivation.Utf8Text, 1));
    }

    [Fact]
    public void Options_defaults_and_snapshot()
    {
        var options = new WebhookSignatureOptions();
        Assert.Equal("X-DocMap-Signature", options.HeaderName);
        Assert.Equal(WebhookSignatureOptions.DefaultHeaderName, options.HeaderName);
        Assert.Equal(WebhookKeyDerivation.Utf8Text, options.KeyDerivation);
        Assert.Equal(8, options.MaxSignaturesPerHeader);

        options.HeaderName = "X-Custom-Signature";
        options.MaxSignaturesPerHeader = 1;
        var verifier = new WebhookSignatureVerifier(options, TestData.Secret);

        // Changing the caller's options after construction changes nothing.
        options.KeyDerivation = WebhookKeyDerivation.HexDecoded;
        options.MaxSignaturesPerHeader = 50;
        Assert.True(verifier.Verify(Body, Signature).IsValid);
        Assert.Equal("X-Custom-Signature", verifier.Options.HeaderName);
        Assert.Equal(WebhookKeyDerivation.Utf8Text, verifier.Options.KeyDerivation);
        Assert.Equal(1, verifier.Options.MaxSignaturesPerHeader);

        // The verifier's own options are a read-only snapshot, the same instance on every read.
        Assert.Same(verifier.Options, verifier.Options);
        Assert.Throws<InvalidOperationException>(() => verifier.Options.MaxSignaturesPerHeader = 99);
        Assert.Throws<InvalidOperationException>(() => verifier.Options.HeaderName = "X-Other");
        Assert.Throws<InvalidOperationException>(() => verifier.Options.KeyDerivation = WebhookKeyDerivation.HexDecoded);
        Assert.Equal(1, verifier.Options.MaxSignaturesPerHeader);
        Assert.False(verifier.Verify(Body, $"{OtherSignature},{Signature}").IsValid);

        // A snapshot can seed a new verifier (the copy it takes is read-only too, the caller's is not changed).
        var second = new WebhookSignatureVerifier(verifier.Options, TestData.Secret);
        Assert.Equal("X-Custom-Signature", second.Options.HeaderName);
        Assert.True(second.Verify(Body, Signature).IsValid);
        options.MaxSignaturesPerHeader = 3;
        Assert.Equal(3, options.MaxSignaturesPerHeader);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(99)]
    public void Undefined_key_derivations_are_rejected(int value)
    {
        var options = new WebhookSignatureOptions();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.KeyDerivation = (WebhookKeyDerivation)value);
        Assert.Equal("value", ex.ParamName);
        Assert.Equal(WebhookKeyDerivation.Utf8Text, options.KeyDerivation);
    }

    [Fact]
    public void Validate_applies_the_setters_rules_without_throwing_naming_each_property_and_no_value()
    {
        Assert.Empty(WebhookSignatureOptions.Validate(WebhookSignatureOptions.DefaultHeaderName, WebhookKeyDerivation.HexDecoded, 1));

        var problems = WebhookSignatureOptions.Validate(" ", (WebhookKeyDerivation)7, -3);

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("HeaderName ", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("KeyDerivation ", problems[1], StringComparison.Ordinal);
        Assert.StartsWith("MaxSignaturesPerHeader ", problems[2], StringComparison.Ordinal);
        Assert.All(problems, p => Assert.DoesNotContain("7", p, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("-3", p, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 0, 8)]
    [InlineData("", 0, 8)]
    [InlineData("X-Sig", 2, 8)]
    [InlineData("X-Sig", -1, 8)]
    [InlineData("X-Sig", 1, 0)]
    [InlineData("X-Sig", 1, int.MinValue)]
    [InlineData("X-Sig", 1, 1)]
    [InlineData("  X  ", 0, int.MaxValue)]
    public void Validate_and_the_setters_agree(string? headerName, int keyDerivation, int maxSignatures)
    {
        var problems = WebhookSignatureOptions.Validate(headerName, (WebhookKeyDerivation)keyDerivation, maxSignatures);
        var thrown = new List<string>();
        var options = new WebhookSignatureOptions();
        foreach (var set in new Action[]
                 {
                     () => options.HeaderName = headerName!,
                     () => options.KeyDerivation = (WebhookKeyDerivation)keyDerivation,
                     () => options.MaxSignaturesPerHeader = maxSignatures,
                 })
        {
            try
            {
                set();
            }
            catch (ArgumentException ex)
            {
                thrown.Add(ex.Message);
            }
        }

        Assert.Equal(problems.Count, thrown.Count);
        for (var i = 0; i < problems.Count; i++)
        {
            // The setter's message is the rule's sentence (an ArgumentException appends the parameter and value).
            Assert.StartsWith(problems[i], thrown[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Constructors_reject_bad_arguments_with_typed_errors()
    {
        Assert.Equal("secrets", Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier()).ParamName);
        Assert.Equal("secrets", Assert.Throws<ArgumentNullException>(() => new WebhookSignatureVerifier((WebhookSecret[])null!)).ParamName);
        Assert.Equal("secrets", Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier(TestData.Secret, null!)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new WebhookSignatureVerifier((WebhookSignatureOptions)null!, TestData.Secret)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new WebhookSignatureVerifier((WebhookSignatureOptions)null!, new List<WebhookSecret> { TestData.Secret })).ParamName);
        Assert.Equal("secrets", Assert.Throws<ArgumentNullException>(() => new WebhookSignatureVerifier(new WebhookSignatureOptions(), (IEnumerable<WebhookSecret>)null!)).ParamName);
        Assert.Equal("secrets", Assert.Throws<ArgumentException>(() => new WebhookSignatureVerifier(new WebhookSignatureOptions(), new List<WebhookSecret>())).ParamName);

        var fromEnumerable = new WebhookSignatureVerifier(new WebhookSignatureOptions(), new List<WebhookSecret> { TestData.OtherSecret, TestData.Secret });
        Assert.Equal(1, fromEnumerable.Verify(Body, Signature).MatchedSecretIndex);
    }

    [Fact]
    public void VerifyOrThrow_returns_the_successful_result()
    {
        var verifier = new WebhookSignatureVerifier(TestData.OtherSecret, TestData.Secret);
        Assert.Equal(1, verifier.VerifyOrThrow(Body, Signature).MatchedSecretIndex);
        Assert.Equal(1, verifier.VerifyOrThrow(TestData.DeliveryBody, Signature).MatchedSecretIndex);
        Assert.Equal(1, verifier.VerifyOrThrow(TestData.Segmented(Body, 1, 2), Signature).MatchedSecretIndex);
    }

    [Fact]
    public void Signer_rejects_null_arguments()
    {
        Assert.Equal("secret", Assert.Throws<ArgumentNullException>(() => WebhookSigner.Sign(null!, Body)).ParamName);
        Assert.Equal("secret", Assert.Throws<ArgumentNullException>(() => WebhookSigner.Sign(null!, "x")).ParamName);
        Assert.Equal("payload", Assert.Throws<ArgumentNullException>(() => WebhookSigner.Sign(TestData.Secret, (string)null!)).ParamName);
    }

    [Fact]
    public void Signer_output_is_64_lower_case_hex()
    {
        var signature = WebhookSigner.Sign(TestData.Secret, Body);
        Assert.Equal(64, signature.Length);
        Assert.All(signature, c => Assert.True(c is (>= '0' and <= '9') or (>= 'a' and <= 'f')));
    }

    [Fact]
    public void Default_result_is_not_valid()
    {
        WebhookVerificationResult result = default;
        Assert.False(result.IsValid);
    }

    [Fact]
    public void A_verifier_is_reusable_across_successes_and_failures()
    {
        // Reused hash state must be reset between calls, whatever the previous outcome.
        var verifier = new WebhookSignatureVerifier(TestData.OtherSecret, TestData.Secret);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(verifier.Verify(Body, Signature).IsValid);
            Assert.False(verifier.Verify(TestData.Utf8("tampered " + i), Signature).IsValid);
            Assert.Equal(WebhookSignatureFailureReason.MalformedSignature, verifier.Verify(Body, "sha256=").FailureReason);
            Assert.True(verifier.Verify(TestData.DeliveryBody, OtherSignature).IsValid);
            Assert.True(verifier.Verify(TestData.Segmented(Body, i % Body.Length), Signature).IsValid);
        }
    }
}

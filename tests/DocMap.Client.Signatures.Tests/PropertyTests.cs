using System.Buffers;
using System.Globalization;
using System.Text;
using DocMap.Client.Signatures;
using FsCheck;
using FsCheck.Xunit;

namespace DocMap.Client.Signatures.Tests;

public sealed class PropertyTests
{
    private static WebhookSecret SecretFrom(ulong a, ulong b, ulong c, ulong d, bool upper)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{a:x16}{b:x16}{c:x16}{d:x16}");
        return WebhookSecret.Parse(upper ? text.ToUpperInvariant() : text);
    }

    [Property(MaxTest = 300)]
    public void Sign_then_verify_holds(ulong a, ulong b, ulong c, ulong d, bool upper, bool hexDecoded, byte[]? payload)
    {
        payload ??= [];
        var secret = SecretFrom(a, b, c, d, upper);
        var options = new WebhookSignatureOptions { KeyDerivation = hexDecoded ? WebhookKeyDerivation.HexDecoded : WebhookKeyDerivation.Utf8Text };
        var signature = WebhookSigner.Sign(secret, payload, options);
        var verifier = new WebhookSignatureVerifier(options, secret);

        var result = verifier.Verify(payload, signature);
        Assert.True(result.IsValid);
        Assert.Equal(0, result.MatchedSecretIndex);
        Assert.Same(secret, result.MatchedSecret);
        Assert.True(verifier.Verify(payload, "sha256=" + signature.ToUpperInvariant()).IsValid);
        Assert.True(verifier.Verify(TestData.Segmented(payload, payload.Length / 2), signature).IsValid);
    }

    [Property(MaxTest = 300)]
    public void Sign_then_verify_holds_for_text(ulong a, ulong b, ulong c, ulong d, NonNull<string> text)
    {
        var secret = SecretFrom(a, b, c, d, upper: false);
        var signature = WebhookSigner.Sign(secret, text.Get);
        var verifier = new WebhookSignatureVerifier(secret);

        Assert.True(verifier.Verify(text.Get, signature).IsValid);
        Assert.True(verifier.Verify(Encoding.UTF8.GetBytes(text.Get), signature).IsValid);
    }

    [Property(MaxTest = 300)]
    public void Any_single_changed_byte_fails(ulong a, ulong b, NonEmptyArray<byte> payload, PositiveInt position, byte delta)
    {
        var secret = SecretFrom(a, b, a ^ b, 42, upper: false);
        var body = payload.Get;
        var signature = WebhookSigner.Sign(secret, body);

        var changed = (byte[])body.Clone();
        var index = position.Get % changed.Length;
        changed[index] ^= delta == 0 ? (byte)1 : delta;

        var verifier = new WebhookSignatureVerifier(secret);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(changed, signature).FailureReason);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, verifier.Verify(TestData.Segmented(changed, index), signature).FailureReason);
        Assert.True(verifier.Verify(body, signature).IsValid);
    }

    [Property(MaxTest = 300)]
    public void Any_single_changed_signature_character_fails(ulong a, byte[]? payload, PositiveInt position, char replacement)
    {
        payload ??= [];
        var secret = SecretFrom(a, ~a, a, ~a, upper: false);
        var signature = WebhookSigner.Sign(secret, payload);
        var index = position.Get % signature.Length;
        if (char.ToLowerInvariant(replacement) == signature[index])
        {
            return;
        }

        var changed = signature.Substring(0, index) + replacement + signature.Substring(index + 1);
        var result = new WebhookSignatureVerifier(secret).Verify(payload, changed);
        Assert.False(result.IsValid);
        Assert.NotEqual(WebhookSignatureFailureReason.MissingSignature, result.FailureReason);
    }

    private static readonly string[] Fragments =
    [
        "sha256=", "SHA256=", ",", " ", "\t", "=", "0", "f", "F", "g", "\u00E9", "\U0001F680", "\uD800", "\0", "\r\n",
        "t=1700000000", "v1=", new string('a', 63), new string('a', 64), new string('b', 65),
    ];

    [Property(MaxTest = 500)]
    public void VerifyOrThrow_throws_only_WebhookSignatureException(string? header, byte[]? payload, string? text, int[]? pieces, bool includeValid)
    {
        var secret = TestData.Secret;
        var verifier = new WebhookSignatureVerifier(new WebhookSignatureOptions { MaxSignaturesPerHeader = 3 }, secret, TestData.OtherSecret);
        var headers = new List<string?> { header };
        if (pieces is not null)
        {
            var built = new StringBuilder(header);
            foreach (var p in pieces)
            {
                built.Append(Fragments[(p & int.MaxValue) % Fragments.Length]);
            }

            if (includeValid)
            {
                built.Append(',').Append(WebhookSigner.Sign(secret, payload ?? []));
            }

            headers.Add(built.ToString());
        }

        foreach (var h in headers)
        {
            AssertOnlySignatureException(() => verifier.VerifyOrThrow(payload ?? [], h), verifier.Verify(payload ?? [], h));
            AssertOnlySignatureException(() => verifier.VerifyOrThrow(text, h), verifier.Verify(text, h));
            var sequence = new ReadOnlySequence<byte>(payload ?? []);
            AssertOnlySignatureException(() => verifier.VerifyOrThrow(sequence, h), verifier.Verify(sequence, h));
        }
    }

    private static void AssertOnlySignatureException(Func<WebhookVerificationResult> verifyOrThrow, WebhookVerificationResult verified)
    {
        Assert.Equal(verified.IsValid, verified.FailureReason == WebhookSignatureFailureReason.None);
        try
        {
            var result = verifyOrThrow();
            Assert.True(result.IsValid);
            Assert.True(verified.IsValid);
        }
        catch (WebhookSignatureException ex)
        {
            Assert.False(verified.IsValid);
            Assert.Equal(verified.FailureReason, ex.Reason);
            Assert.NotEqual(WebhookSignatureFailureReason.None, ex.Reason);
        }
    }

    [Property(MaxTest = 300)]
    public void Parse_fails_only_with_WebhookPayloadException(string? json, byte[]? bytes)
    {
        foreach (var attempt in new Func<WebhookEvent>[] { () => WebhookEvent.Parse(json ?? string.Empty), () => WebhookEvent.Parse(bytes ?? []) })
        {
            try
            {
                var parsed = attempt();
                Assert.NotNull(parsed.RawJson);
            }
            catch (WebhookPayloadException)
            {
            }
        }
    }

    [Property(MaxTest = 200)]
    public void Parse_reads_any_event_and_id_strings(NonNull<string> eventName, NonNull<string> id)
    {
        var body = "{\"event\":" + System.Text.Json.JsonSerializer.Serialize(eventName.Get, StringJsonContext.Default.String) +
                   ",\"data\":{\"id\":" + System.Text.Json.JsonSerializer.Serialize(id.Get, StringJsonContext.Default.String) + "}}";
        var parsed = WebhookEvent.Parse(body);
        if (HasLoneSurrogate(eventName.Get) || HasLoneSurrogate(id.Get))
        {
            // Escaped lone surrogates are valid JSON but not valid strings: such a field reads as absent.
            return;
        }

        Assert.Equal(string.IsNullOrWhiteSpace(eventName.Get) ? null : eventName.Get, parsed.Type.Value);
        Assert.Equal(id.Get, parsed.ExtractionId);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class StringJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}

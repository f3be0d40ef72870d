using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class RedactionTests
{
    [Theory]
    [InlineData(WebhookSignatureFailureReason.MissingSignature, "no signature header")]
    [InlineData(WebhookSignatureFailureReason.MalformedSignature, "no well-formed")]
    [InlineData(WebhookSignatureFailureReason.SignatureMismatch, "does not match")]
    [InlineData(WebhookSignatureFailureReason.None, "did not verify")]
    public void Exception_messages_describe_the_reason_only(WebhookSignatureFailureReason reason, string expected)
    {
        var ex = new WebhookSignatureException(reason);
        Assert.Equal(reason, ex.Reason);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verification_failures_never_show_the_secret_the_signature_or_the_body()
    {
        var secret = TestData.Secret;
        var verifier = new WebhookSignatureVerifier(secret, TestData.OtherSecret);
        const string body = "{\"extractedData\":{\"iban\":\"DE89370400440532013000\"}}";
        var signature = WebhookSigner.Sign(secret, "something else");
        var headers = new[] { null, string.Empty, "sha256=", "zz" + signature, signature, "sha256=" + signature.ToUpperInvariant() };

        foreach (var header in headers)
        {
            var ex = Assert.Throws<WebhookSignatureException>(() => verifier.VerifyOrThrow(body, header));
            foreach (var shown in new[] { ex.Message, ex.ToString(), verifier.Verify(body, header).ToString() })
            {
                SecretTests.AssertNoSecretFragment(TestData.SecretText, shown);
                SecretTests.AssertNoSecretFragment(TestData.OtherSecretText, shown);
                Assert.DoesNotContain(signature.Substring(0, 16), shown, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("DE89370400440532013000", shown, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Results_show_the_fingerprint_not_the_secret()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        var valid = verifier.Verify(TestData.DeliveryBody, WebhookSigner.Sign(TestData.Secret, TestData.DeliveryBody));
        Assert.Equal($"Valid (secret #0, fingerprint {TestData.Secret.Fingerprint})", valid.ToString());
        Assert.Equal("Invalid (MissingSignature)", verifier.Verify(TestData.DeliveryBody, null).ToString());
        SecretTests.AssertNoSecretFragment(TestData.SecretText, verifier.ToString()!);
        SecretTests.AssertNoSecretFragment(TestData.SecretText, verifier.Options.ToString()!);
    }

    [Fact]
    public void Event_and_record_summaries_do_not_show_the_extracted_data()
    {
        var parsed = WebhookEvent.Parse("{\"event\":\"extraction.completed\",\"data\":{\"id\":\"ext_9\",\"status\":\"completed\",\"extractedData\":{\"iban\":\"DE89370400440532013000\"}}}");
        Assert.Equal("WebhookEvent(extraction.completed, extraction ext_9)", parsed.ToString());
        Assert.DoesNotContain("DE89", parsed.Extraction!.ToString(), StringComparison.Ordinal);
        Assert.Contains("ext_9", parsed.Extraction.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_errors_do_not_quote_the_body()
    {
        var ex = Assert.Throws<WebhookPayloadException>(() => WebhookEvent.Parse("{\"iban\":\"DE89370400440532013000\" oops"));
        Assert.DoesNotContain("DE89370400440532013000", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }
}

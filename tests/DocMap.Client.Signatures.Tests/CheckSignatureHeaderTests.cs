using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class CheckSignatureHeaderTests
{
    private static readonly string Signature = WebhookSigner.Sign(TestData.Secret, TestData.Utf8(TestData.DeliveryBody));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_absent_or_blank_header_is_missing(string? header) =>
        Assert.Equal(WebhookSignatureFailureReason.MissingSignature, WebhookSignatureVerifier.CheckSignatureHeader(header));

    [Theory]
    [InlineData("sha256=")]
    [InlineData("not-a-signature")]
    [InlineData(",,, ,")]
    [InlineData("sha256=abc")]
    public void A_header_without_a_well_formed_entry_is_malformed(string header) =>
        Assert.Equal(WebhookSignatureFailureReason.MalformedSignature, WebhookSignatureVerifier.CheckSignatureHeader(header));

    [Fact]
    public void A_well_formed_header_is_accepted_for_verification_whether_or_not_it_matches()
    {
        Assert.Equal(WebhookSignatureFailureReason.None, WebhookSignatureVerifier.CheckSignatureHeader(Signature));
        Assert.Equal(WebhookSignatureFailureReason.None, WebhookSignatureVerifier.CheckSignatureHeader("junk, sha256=" + Signature.ToUpperInvariant()));
        Assert.Equal(WebhookSignatureFailureReason.None, WebhookSignatureVerifier.CheckSignatureHeader(new string('0', 64)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("zz")]
    public void It_agrees_with_Verify_on_every_header_Verify_rejects_before_hashing(string? header)
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);
        Assert.Equal(verifier.Verify(TestData.Utf8(TestData.DeliveryBody), header).FailureReason, WebhookSignatureVerifier.CheckSignatureHeader(header));
    }
}

using System.Text;
using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

/// <summary>
/// Signatures checked against an independent implementation (OpenSSL). Every expected value was produced with
/// <c>openssl dgst -sha256 -hmac "$S" -r</c> (the key is the 64 characters of the secret as text, our default) or
/// <c>openssl dgst -sha256 -mac HMAC -macopt hexkey:$S -r</c> (the HexDecoded derivation), where
/// <c>S=8b0c6b1f3a5e4d2c9f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d</c>. The command that made each body is in
/// the comment beside it.
/// </summary>
public sealed class KnownAnswerTests
{
    public static TheoryData<string, byte[], string> Vectors() => new()
    {
        // printf '' | openssl dgst -sha256 -hmac "$S" -r
        { "empty (0 bytes)", Array.Empty<byte>(), "1d6d0c163e8300659192fcfc399f97aeb1b8d2694b30a03943c92bb6397482c5" },

        // printf 'x' | openssl dgst -sha256 -hmac "$S" -r
        { "1 byte", TestData.Utf8("x"), "63b7f126f4ec4334b07bdfb6597f7d81ea43ed521d2e04a4f6a2d8c120f415ed" },

        // printf '<TestData.DeliveryBody>' | openssl dgst -sha256 -hmac "$S" -r
        { "delivery body", TestData.Utf8(TestData.DeliveryBody), "18ca0c2b57ac80fd5970670a2a2388b0706212724939a48cffb3832117e642ed" },

        // printf '{"note":"\xf0\x9f\x9a\x80 done"}' | openssl dgst -sha256 -hmac "$S" -r
        { "emoji", TestData.Utf8("{\"note\":\"\U0001F680 done\"}"), "c6bd876494b899cd5fe86df7dcc0e4b2f5c57490c2d3c7af5eceadb006910ca8" },

        // printf 'line1\nline2\n' | openssl dgst -sha256 -hmac "$S" -r
        { "LF line ends", TestData.Utf8("line1\nline2\n"), "228f2cd08a1b845d2f1071716ae823e7eacf72878664e253a151957d7095a617" },

        // printf 'line1\r\nline2\r\n' | openssl dgst -sha256 -hmac "$S" -r
        { "CRLF line ends", TestData.Utf8("line1\r\nline2\r\n"), "a3b15fc55b94908d9e63b76099359656bea2940106b7de58e01b2181edb07458" },

        // printf '\xff\xfe\x00\xc3\x28' | openssl dgst -sha256 -hmac "$S" -r
        { "invalid UTF-8", new byte[] { 0xFF, 0xFE, 0x00, 0xC3, 0x28 }, "f82851f41542aad2f2d2d4b35426b348f28fb03375a91af10d4323e94c963db3" },

        // head -c 65536 /dev/zero | tr '\0' 'a' | openssl dgst -sha256 -hmac "$S" -r
        { "64 KiB", TestData.Repeat((byte)'a', 64 * 1024), "3d974de88bf972361f87aa2e9bee830463be812fea48c349dd894230f51b897f" },

        // python3 -c "import sys; sys.stdout.buffer.write(bytes(i%251 for i in range(1048576)))" | openssl dgst -sha256 -hmac "$S" -r
        { "1 MiB", TestData.Pattern(1024 * 1024), "7afe36721cb8bf72f7d257f84232437668b17471968aefc3450524d0e5a49f0b" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signer_matches_openssl(string name, byte[] body, string expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, WebhookSigner.Sign(TestData.Secret, body));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verifier_accepts_openssl_signature_on_every_payload_path(string name, byte[] body, string expected)
    {
        Assert.NotNull(name);
        var verifier = new WebhookSignatureVerifier(TestData.Secret);

        var bytes = verifier.Verify(body, expected);
        Assert.True(bytes.IsValid, bytes.ToString());
        Assert.Equal(0, bytes.MatchedSecretIndex);

        Assert.True(verifier.Verify(body, expected.ToUpperInvariant()).IsValid);
        Assert.True(verifier.Verify(body, "sha256=" + expected).IsValid);

        Assert.True(verifier.Verify(TestData.Segmented(body, body.Length / 3, body.Length / 3, 2 * body.Length / 3), expected).IsValid);
        Assert.True(verifier.Verify(new System.Buffers.ReadOnlySequence<byte>(body), expected).IsValid);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_different_secret_does_not_verify_the_vector(string name, byte[] body, string expected)
    {
        Assert.NotNull(name);
        var result = new WebhookSignatureVerifier(TestData.OtherSecret).Verify(body, expected);
        Assert.False(result.IsValid);
        Assert.Equal(WebhookSignatureFailureReason.SignatureMismatch, result.FailureReason);
    }

    [Fact]
    public void String_payloads_hash_their_exact_utf8_bytes()
    {
        var verifier = new WebhookSignatureVerifier(TestData.Secret);

        // The same vectors as above, given as text.
        Assert.True(verifier.Verify(TestData.DeliveryBody, "18ca0c2b57ac80fd5970670a2a2388b0706212724939a48cffb3832117e642ed").IsValid);
        Assert.True(verifier.Verify("{\"note\":\"\U0001F680 done\"}", "c6bd876494b899cd5fe86df7dcc0e4b2f5c57490c2d3c7af5eceadb006910ca8").IsValid);
        Assert.True(verifier.Verify(string.Empty, "1d6d0c163e8300659192fcfc399f97aeb1b8d2694b30a03943c92bb6397482c5").IsValid);
        Assert.True(verifier.Verify((string?)null, "1d6d0c163e8300659192fcfc399f97aeb1b8d2694b30a03943c92bb6397482c5").IsValid);
        Assert.True(verifier.Verify(new string('a', 64 * 1024), "3d974de88bf972361f87aa2e9bee830463be812fea48c349dd894230f51b897f").IsValid);
        Assert.Equal("c6bd876494b899cd5fe86df7dcc0e4b2f5c57490c2d3c7af5eceadb006910ca8", WebhookSigner.Sign(TestData.Secret, "{\"note\":\"\U0001F680 done\"}"));
    }

    [Fact]
    public void HexDecoded_derivation_matches_openssl_hexkey()
    {
        var options = new WebhookSignatureOptions { KeyDerivation = WebhookKeyDerivation.HexDecoded };

        // printf '<TestData.DeliveryBody>' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$S -r
        const string body = "907f04f8cc9257fc7408fbddc5dc67eb437e893c1ce71ff1e953dcdefc98d88a";

        // python3 -c "import sys; sys.stdout.buffer.write(bytes(i%251 for i in range(1048576)))" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$S -r
        const string mebibyte = "0f72ed0b745e73c57b1506d34419f10fb7ee168b231ed51fbc4b33c5a43b3551";

        Assert.Equal(body, WebhookSigner.Sign(TestData.Secret, TestData.DeliveryBody, options));
        Assert.Equal(mebibyte, WebhookSigner.Sign(TestData.Secret, TestData.Pattern(1024 * 1024), options));

        var hexVerifier = new WebhookSignatureVerifier(options, TestData.Secret);
        Assert.True(hexVerifier.Verify(TestData.Utf8(TestData.DeliveryBody), body).IsValid);
        Assert.True(hexVerifier.Verify(TestData.Pattern(1024 * 1024), mebibyte).IsValid);

        // The hex-decoded key ignores case, so the upper-case secret verifies the same signature.
        var upper = WebhookSecret.Parse(TestData.SecretText.ToUpperInvariant());
        Assert.True(new WebhookSignatureVerifier(options, upper).Verify(TestData.DeliveryBody, body).IsValid);

        // The default (text) derivation does not accept the hex-decoded signature, nor the other way round.
        Assert.Equal(
            WebhookSignatureFailureReason.SignatureMismatch,
            new WebhookSignatureVerifier(TestData.Secret).Verify(TestData.DeliveryBody, body).FailureReason);
        Assert.Equal(
            WebhookSignatureFailureReason.SignatureMismatch,
            hexVerifier.Verify(TestData.DeliveryBody, "18ca0c2b57ac80fd5970670a2a2388b0706212724939a48cffb3832117e642ed").FailureReason);
    }

    [Fact]
    public void Upper_case_secret_text_is_its_own_key_under_the_default_derivation()
    {
        var upper = WebhookSecret.Parse(TestData.SecretText.ToUpperInvariant());

        // printf 'hello' | openssl dgst -sha256 -hmac "$(echo $S | tr a-f A-F)" -r
        Assert.Equal("e5e671c9c57a30e81944febc7cc26b5866c64ccd02ac37730f7622802726484b", WebhookSigner.Sign(upper, "hello"));

        // printf 'hello' | openssl dgst -sha256 -hmac "$S" -r
        Assert.Equal("1713b7929ddd9f17b148164ebafeaf32b0c5cc3f9f3292d052ef5ded2337b661", WebhookSigner.Sign(TestData.Secret, "hello"));

        // printf 'hello' | openssl dgst -sha256 -hmac "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" -r
        Assert.Equal("ee77e5eeb5357a2c224c65bbd8251cca360ee28fcc0d922581c3020b721fb1e8", WebhookSigner.Sign(TestData.OtherSecret, "hello"));
        Assert.True(new WebhookSignatureVerifier(upper).Verify(Encoding.UTF8.GetBytes("hello"), "e5e671c9c57a30e81944febc7cc26b5866c64ccd02ac37730f7622802726484b").IsValid);
    }
}

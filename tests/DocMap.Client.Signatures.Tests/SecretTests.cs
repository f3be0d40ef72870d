using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class SecretTests
{
    [Theory]
    [InlineData(TestData.SecretText)]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdefABCD")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public void Valid_secrets_parse(string text)
    {
        Assert.True(WebhookSecret.TryParse(text, out var parsed));
        Assert.NotNull(parsed);
        Assert.Equal(parsed, WebhookSecret.Parse(text));
        Assert.Equal(64, WebhookSecret.Length);
    }

    public static TheoryData<string> InvalidSecrets() => new()
    {
        string.Empty,
        new string('a', 63),
        new string('a', 65),
        new string('a', 128),
        TestData.SecretText.Substring(1),
        TestData.SecretText + "0",
        " " + TestData.SecretText.Substring(1),
        TestData.SecretText.Substring(1) + "\n",
        TestData.SecretText.Substring(0, 63) + "g",
        TestData.SecretText.Substring(0, 63) + "G",
        TestData.SecretText.Substring(0, 63) + "-",
        "x" + TestData.SecretText.Substring(1),
        TestData.SecretText.Substring(0, 63) + "\u0663", // ARABIC-INDIC DIGIT THREE: a digit, but not hex
        TestData.SecretText.Substring(0, 63) + "\uFF41", // FULLWIDTH LATIN SMALL LETTER A
        TestData.SecretText.Substring(0, 62) + "\U0001F680", // a surrogate pair: 64 UTF-16 units
        "dm_live_" + TestData.SecretText.Substring(8),
    };

    [Theory]
    [MemberData(nameof(InvalidSecrets))]
    public void Invalid_secrets_are_rejected_without_echoing_them(string text)
    {
        Assert.False(WebhookSecret.TryParse(text, out var parsed));
        Assert.Null(parsed);

        var ex = Assert.Throws<FormatException>(() => WebhookSecret.Parse(text));
        Assert.Contains("64 hexadecimal characters", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{text.Length} characters", ex.Message, StringComparison.Ordinal);
        if (text.Length >= 8)
        {
            Assert.DoesNotContain(text.Substring(0, 8), ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(text.Substring(text.Length - 8), ex.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Null_secret_is_an_argument_error()
    {
        Assert.Equal("secret", Assert.Throws<ArgumentNullException>(() => WebhookSecret.Parse(null!)).ParamName);
        Assert.False(WebhookSecret.TryParse(null, out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void ToString_is_redacted()
    {
        foreach (var text in new[] { TestData.SecretText, TestData.SecretText.ToUpperInvariant(), TestData.OtherSecretText })
        {
            var secret = WebhookSecret.Parse(text);
            var shown = secret.ToString();
            Assert.StartsWith("WebhookSecret(****, fingerprint ", shown, StringComparison.Ordinal);
            AssertNoSecretFragment(text, shown);
            AssertNoSecretFragment(text, $"{secret}");
            AssertNoSecretFragment(text, new WebhookSignatureVerifier(secret).Verify(TestData.DeliveryBody, WebhookSigner.Sign(secret, TestData.DeliveryBody)).ToString());
        }
    }

    [Fact]
    public void Fingerprint_is_the_first_eight_hex_characters_of_the_sha256_of_the_text()
    {
        // printf 8b0c6b1f3a5e4d2c9f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d | openssl dgst -sha256 -r | cut -c1-8
        Assert.Equal("c76c8066", TestData.Secret.Fingerprint);
        Assert.Equal(TestData.Secret.Fingerprint, TestData.Secret.Fingerprint);
        Assert.NotEqual(TestData.Secret.Fingerprint, TestData.OtherSecret.Fingerprint);
        Assert.Matches("^[0-9a-f]{8}$", TestData.OtherSecret.Fingerprint);
        Assert.Contains(TestData.Secret.Fingerprint, TestData.Secret.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_is_by_exact_text()
    {
        Assert.True(TestData.Secret.Equals(WebhookSecret.Parse(TestData.SecretText)));
        Assert.Equal(TestData.Secret.GetHashCode(), WebhookSecret.Parse(TestData.SecretText).GetHashCode());
        Assert.False(TestData.Secret.Equals(TestData.OtherSecret));
        Assert.False(TestData.Secret.Equals((object?)null));
        Assert.False(TestData.Secret.Equals("not a secret"));

        // Under the default derivation an upper-case copy is a different key, so it is a different secret.
        Assert.False(TestData.Secret.Equals(WebhookSecret.Parse(TestData.SecretText.ToUpperInvariant())));
    }

    internal static void AssertNoSecretFragment(string secret, string text)
    {
        // No run of 8 characters of the secret (in either case) appears.
        for (var i = 0; i + 8 <= secret.Length; i++)
        {
            Assert.DoesNotContain(secret.Substring(i, 8), text, StringComparison.OrdinalIgnoreCase);
        }
    }
}

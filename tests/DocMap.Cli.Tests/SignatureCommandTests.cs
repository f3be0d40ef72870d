using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary><c>docmap sign</c>, <c>docmap verify</c> and <c>verify --diagnose</c>, against HMACs computed here independently.</summary>
public sealed class SignatureCommandTests : IDisposable
{
    private const string Secret = "a3f1c2d4e5b6978812ab34cd56ef7890a3f1c2d4e5b6978812ab34cd56ef7890";
    private const string Body = "{\"event\":\"extraction.completed\",\"extractionId\":\"ext_1\",\"data\":{\"id\":\"ext_1\"}}";

    private readonly string _folder = Directory.CreateTempSubdirectory("docmap-cli-sig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Hmac(byte[] key, string body) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(body)));

    private static string TextKeyed(string body) => Hmac(Encoding.UTF8.GetBytes(Secret), body);

    private static string HexKeyed(string body) => Hmac(Convert.FromHexString(Secret), body);

    private string BodyFile(string body)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(body));
        return path;
    }

    [Fact]
    public async Task Sign_prints_the_hmac_of_the_exact_body_bytes_from_a_file_or_stdin()
    {
        var fromFile = await new CliRunner().RunAsync("sign", "--secret", Secret, "--body-file", BodyFile(Body));
        var stdin = new CliRunner { Stdin = Encoding.UTF8.GetBytes(Body) }.With("DOCMAP_WEBHOOK_SECRET", Secret);
        var fromStdin = await stdin.RunAsync("sign");
        var hex = await new CliRunner().RunAsync("sign", "--secret", Secret, "--body-file", BodyFile(Body), "--key-derivation", "hex", "--json");

        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(TextKeyed(Body) + "\n", fromFile.Stdout);
        Assert.Equal(TextKeyed(Body) + "\n", fromStdin.Stdout);
        Assert.Empty(fromFile.Stderr);
        Assert.Equal(0, hex.ExitCode);
        var json = hex.Json();
        JsonSchema.AssertExactly(json, "signature", "headerName", "keyDerivation");
        Assert.Equal(HexKeyed(Body), json.GetProperty("signature").GetString());
        Assert.Equal("X-DocMap-Signature", json.GetProperty("headerName").GetString());
        Assert.Equal("hexDecoded", json.GetProperty("keyDerivation").GetString());
    }

    [Fact]
    public async Task Sign_without_a_body_and_with_stdin_a_terminal_says_how_to_give_one()
    {
        var run = await new CliRunner().RunAsync("sign", "--secret", Secret);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("pass --body-file FILE, or pipe it", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("zz" + "a3f1c2d4e5b6978812ab34cd56ef7890a3f1c2d4e5b6978812ab34cd56ef78")]
    [InlineData(Secret + "\n")]
    [InlineData(" " + Secret)]
    public async Task A_bad_secret_is_a_usage_error_that_never_echoes_it(string secret)
    {
        var run = await new CliRunner().RunAsync("sign", "--secret", secret, "--body-file", BodyFile(Body));
        var verify = await new CliRunner().RunAsync("verify", "--secret", secret, "--signature", TextKeyed(Body), "--body-file", BodyFile(Body), "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("must be exactly 64 hexadecimal characters", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"has {secret.Length} characters", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Trim(), run.All, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, verify.ExitCode);
        JsonSchema.AssertError(verify.Json(), "usage");
        Assert.DoesNotContain(secret.Trim(), verify.All, StringComparison.Ordinal);
        if (secret.Trim() != secret)
        {
            Assert.Contains("remove the surrounding white space or newline", run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_secret_at_all_names_the_option_and_the_variable()
    {
        var run = await new CliRunner().RunAsync("verify", "--signature", "00", "--body-file", BodyFile(Body));

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("pass --secret or set DOCMAP_WEBHOOK_SECRET", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_0_for_a_match_and_1_for_a_mismatch_suggesting_diagnose()
    {
        var body = BodyFile(Body);
        var runner = new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret);

        var valid = await runner.RunAsync("verify", "--signature", TextKeyed(Body), "--body-file", body);
        var validJson = await runner.RunAsync("verify", "--signature", "X-DocMap-Signature: sha256=" + TextKeyed(Body).ToUpperInvariant(), "--body-file", body, "--json");
        var invalid = await runner.RunAsync("verify", "--signature", TextKeyed(Body + " "), "--body-file", body);
        var malformed = await runner.RunAsync("verify", "--signature", "not-a-signature", "--body-file", body, "--json");

        Assert.Equal(0, valid.ExitCode);
        Assert.StartsWith("valid: the signature matches", valid.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, validJson.ExitCode);
        JsonSchema.AssertExactly(validJson.Json(), "valid", "reason", "headerName", "keyDerivation");
        Assert.True(validJson.Json().GetProperty("valid").GetBoolean());
        Assert.Equal("none", validJson.Json().GetProperty("reason").GetString());

        Assert.Equal(ExitCodes.Failure, invalid.ExitCode);
        Assert.StartsWith("invalid: the signature does not match", invalid.Stdout, StringComparison.Ordinal);
        Assert.Contains("--diagnose", invalid.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, malformed.ExitCode);
        Assert.Equal("malformedSignature", malformed.Json().GetProperty("reason").GetString());
        Assert.DoesNotContain(Secret, valid.All + invalid.All + malformed.All, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, string, string?, string> Variants()
    {
        // name, signed body (what the sender signed), signature header, expected key, expected hex case, expected body variant
        var lf = "{\n  \"event\": \"extraction.completed\"\n}";
        var crlf = lf.Replace("\n", "\r\n", StringComparison.Ordinal);
        return new()
        {
            { "default scheme", Body, TextKeyed(Body), "utf8Text", "lower", "asGiven" },
            { "hex-decoded key", Body, HexKeyed(Body), "hexDecoded", "lower", "asGiven" },
            { "upper-case hex", Body, TextKeyed(Body).ToUpperInvariant(), "utf8Text", "upper", "asGiven" },
            { "sha256= prefix", Body, "sha256=" + TextKeyed(Body), "utf8Text", "lower", "asGiven" },
            { "prefix + upper + hex key", Body, "sha256=" + HexKeyed(Body).ToUpperInvariant(), "hexDecoded", "upper", "asGiven" },
            { "signed without the newline the file has", Body + "\n", TextKeyed(Body), "utf8Text", "lower", "trailingNewlineRemoved" },
            { "signed with a trailing newline", Body, TextKeyed(Body + "\n"), "utf8Text", "lower", "trailingNewlineAdded" },
            { "signed with LF, file has CRLF", crlf, TextKeyed(lf), "utf8Text", "lower", "crlfToLf" },
            { "signed with CRLF, file has LF", lf, TextKeyed(crlf), "utf8Text", "lower", "lfToCrlf" },
            { "second of a list", Body, "sha256=" + new string('0', 64) + ", " + HexKeyed(Body), "hexDecoded", "lower", "asGiven" },
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Diagnose_finds_each_variant_a_sender_might_use(string name, string fileBody, string signature, string key, string? hexCase, string bodyVariant)
    {
        var run = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync("verify", "--diagnose", "--signature", signature, "--body-file", BodyFile(fileBody), "--json");

        Assert.True(run.ExitCode == 0, $"{name}: {run}");
        var json = run.Json();
        JsonSchema.AssertExactly(json, "matched", "match", "headerName", "settings", "notes", "tried");
        Assert.True(json.GetProperty("matched").GetBoolean());
        var match = json.GetProperty("match");
        JsonSchema.AssertExactly(match, "keyDerivation", "body", "encoding", "hexCase", "prefix", "signatureIndex");
        Assert.Equal(key, match.GetProperty("keyDerivation").GetString());
        Assert.Equal(hexCase, match.GetProperty("hexCase").GetString());
        Assert.Equal(bodyVariant, match.GetProperty("body").GetString());
        Assert.Equal("hex", match.GetProperty("encoding").GetString());

        var settings = json.GetProperty("settings").EnumerateArray().ToList();
        if (key == "hexDecoded")
        {
            var setting = Assert.Single(settings);
            JsonSchema.AssertExactly(setting, "option", "configurationKey", "environmentVariable", "value");
            Assert.Equal("DocMapWebhookOptions.KeyDerivation", setting.GetProperty("option").GetString());
            Assert.Equal("DocMap:Webhooks:KeyDerivation", setting.GetProperty("configurationKey").GetString());
            Assert.Equal("DocMap__Webhooks__KeyDerivation", setting.GetProperty("environmentVariable").GetString());
            Assert.Equal("HexDecoded", setting.GetProperty("value").GetString());
        }
        else
        {
            Assert.Empty(settings);
        }

        Assert.All(json.GetProperty("tried").EnumerateArray(), t => JsonSchema.AssertExactly(t, "keyDerivation", "body", "matched"));
        Assert.Contains(json.GetProperty("tried").EnumerateArray(), t => t.GetProperty("matched").GetBoolean());
    }

    [Fact]
    public async Task Diagnose_in_plain_text_names_the_match_and_the_setting_with_its_configuration_key()
    {
        var run = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync("verify", "--diagnose", "--signature", HexKeyed(Body), "--body-file", BodyFile(Body));

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"(?m)^KEY\s+BODY\s+MATCH$", run.Stdout);
        Assert.Matches(@"(?m)^hexDecoded\s+asGiven\s+yes$", run.Stdout);
        Assert.Matches(@"(?m)^utf8Text\s+asGiven\s+no$", run.Stdout);
        Assert.Contains("Match: key = the secret's hex-decoded 32 bytes; body = as given; signature = lower-case hex.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Set: DocMapWebhookOptions.KeyDerivation = HexDecoded  (configuration DocMap:Webhooks:KeyDerivation, environment DocMap__Webhooks__KeyDerivation=HexDecoded)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_reports_a_different_header_name_as_the_HeaderName_setting()
    {
        var run = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync(
            "verify", "--diagnose", "--signature", "X-Webhook-Signature: sha256=" + TextKeyed(Body), "--body-file", BodyFile(Body), "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json();
        Assert.Equal("X-Webhook-Signature", json.GetProperty("headerName").GetString());
        Assert.Equal("sha256=", json.GetProperty("match").GetProperty("prefix").GetString());
        var setting = Assert.Single(json.GetProperty("settings").EnumerateArray());
        Assert.Equal("DocMapWebhookOptions.HeaderName", setting.GetProperty("option").GetString());
        Assert.Equal("DocMap:Webhooks:HeaderName", setting.GetProperty("configurationKey").GetString());
        Assert.Equal("X-Webhook-Signature", setting.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Diagnose_recognises_base64_and_says_no_option_covers_it()
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(Body));

        var run = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync(
            "verify", "--diagnose", "--signature", Convert.ToBase64String(mac), "--body-file", BodyFile(Body), "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json();
        Assert.Equal("base64", json.GetProperty("match").GetProperty("encoding").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("match").GetProperty("hexCase").ValueKind);
        Assert.Contains(json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("no receiver option reads base64", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Diagnose_with_the_wrong_secret_finds_nothing_and_exits_1()
    {
        var other = new string('b', 64);
        var run = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync(
            "verify", "--diagnose", "--signature", Hmac(Encoding.UTF8.GetBytes(other), Body), "--body-file", BodyFile(Body), "--json");
        var plain = await new CliRunner().With("DOCMAP_WEBHOOK_SECRET", Secret).RunAsync(
            "verify", "--diagnose", "--signature", Hmac(Encoding.UTF8.GetBytes(other), Body), "--body-file", BodyFile(Body));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var json = run.Json();
        Assert.False(json.GetProperty("matched").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("match").ValueKind);
        Assert.True(json.GetProperty("tried").GetArrayLength() >= 4);
        Assert.All(json.GetProperty("tried").EnumerateArray(), t => Assert.False(t.GetProperty("matched").GetBoolean()));
        Assert.Contains(json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("the secret is not this webhook's", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Failure, plain.ExitCode);
        Assert.Contains("No match.", plain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_and_key_derivation_together_are_a_usage_error()
    {
        var run = await new CliRunner().RunAsync("verify", "--diagnose", "--key-derivation", "hex", "--secret", Secret, "--signature", "00");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--diagnose tries both key derivations", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_variants_are_distinct_and_start_with_the_body_as_given()
    {
        var variants = Commands.SignatureDiagnosis.BodyVariants(Encoding.UTF8.GetBytes("{\"a\": 1}\r\n"));

        Assert.Equal("asGiven", variants[0].Name);
        Assert.Equal(variants.Count, variants.Select(v => Convert.ToHexString(v.Body)).Distinct().Count());
        Assert.Contains(variants, v => v.Name == "crlfToLf" && v.Body.SequenceEqual("{\"a\": 1}\n"u8.ToArray()));
        Assert.Contains(variants, v => v.Name == "trailingNewlineRemoved" && v.Body.SequenceEqual("{\"a\": 1}"u8.ToArray()));
        Assert.Contains(variants, v => v.Name == "compactJson" && v.Body.SequenceEqual("{\"a\":1}"u8.ToArray()));
    }
}

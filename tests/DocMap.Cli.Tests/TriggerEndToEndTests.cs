using System.Reflection;
using System.Text.Json;
using DocMap.Cli.Infrastructure;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary>
/// <c>docmap trigger</c> end to end: a real in-process <see cref="DocMapEmulator"/> (its control API over HTTP)
/// delivering to real Kestrel receivers built with <c>MapDocMapWebhooks</c>, each configured with a secret chosen
/// here and registered with it (<see cref="DocMapEmulator.RegisterWebhook"/>). A delivery counts as received only when
/// the SDK's endpoint verified its signature.
/// </summary>
public sealed class TriggerEndToEndTests
{
    internal const string Secret = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
    internal const string OtherSecret = "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b";

    [Fact]
    public async Task Trigger_delivers_to_a_receiver_that_verifies_with_the_chosen_secret_and_prints_the_delivery()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        await using var emulator = DocMapEmulator.Start();
        var id = emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret));

        var run = await CliRunner.ForEmulator(emulator).RunAsync("trigger", "extraction.completed");

        Assert.Equal(0, run.ExitCode);
        var logged = Assert.Single(emulator.Deliveries);
        Assert.True(logged.Succeeded, logged.ToString());
        Assert.Equal(200, logged.HttpStatus);
        var (received, _, _) = Assert.Single(app.Handled);
        Assert.Equal(WebhookEventType.ExtractionCompleted, received.Type);
        Assert.Equal(logged.ExtractionId, received.ExtractionId);
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^ID\s+WEBHOOK\s+EVENT\s+STATUS\s+HTTP\s+DURATION\s+EXTRACTION\s+URL\s+ERROR$", lines[0]);
        Assert.Matches(
            $@"^{logged.Id}\s+{id}\s+extraction\.completed\s+success\s+200\s+\d+ ms\s+{logged.ExtractionId}\s+{app.Url}\s+-$",
            lines[1]);
        Assert.Contains("1 delivery: 1 succeeded, 0 failed.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.ApiKey, run.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_has_the_documented_shape_and_reports_what_the_emulator_logged_including_a_refused_delivery()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        await using var other = await WebhookApp.StartAsync(OtherSecret);
        await using var emulator = DocMapEmulator.Start();
        var good = emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret));
        var wrong = emulator.RegisterWebhook(other.Url, WebhookSecret.Parse(Secret)); // not the secret that app verifies with

        var run = await CliRunner.ForEmulator(emulator).RunAsync("trigger", "extraction.failed", "--json");

        Assert.Equal(0, run.ExitCode); // a failed delivery is a result, not an error
        var json = run.Json();
        JsonSchema.AssertExactly(json, "emulator", "deliveries");
        var described = json.GetProperty("emulator");
        JsonSchema.AssertExactly(described, "name", "version", "url");
        Assert.Equal("docmap-emulator", described.GetProperty("name").GetString());
        Assert.Equal(emulator.Url.AbsoluteUri, described.GetProperty("url").GetString());
        Assert.Equal(EmulatorPackageVersion(), described.GetProperty("version").GetString());

        var deliveries = json.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.All(deliveries, JsonSchema.AssertTriggeredDelivery);
        Assert.Equal([good, wrong], deliveries.Select(d => d.GetProperty("webhookId").GetString()));
        var logged = emulator.Deliveries.ToDictionary(d => d.Id);
        Assert.Equal(2, logged.Count);
        foreach (var delivery in deliveries)
        {
            var entry = logged[delivery.GetProperty("id").GetString()!];
            Assert.Equal(entry.WebhookId, delivery.GetProperty("webhookId").GetString());
            Assert.Equal(entry.ExtractionId, delivery.GetProperty("extractionId").GetString());
            Assert.Equal("extraction.failed", delivery.GetProperty("event").GetString());
            Assert.Equal(entry.Url, delivery.GetProperty("url").GetString());
            Assert.Equal(entry.HttpStatus, delivery.GetProperty("httpStatus").GetInt32());
            Assert.Equal(entry.Succeeded ? "success" : "failed", delivery.GetProperty("status").GetString());
        }

        Assert.Equal(200, deliveries[0].GetProperty("httpStatus").GetInt32());
        Assert.Equal(401, deliveries[1].GetProperty("httpStatus").GetInt32()); // MapDocMapWebhooks refused the signature
        Assert.Single(app.Handled);
        Assert.Empty(other.Handled);
        Assert.Contains("2 deliveries: 1 succeeded, 1 failed.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_option_delivers_to_that_webhook_only_and_an_unknown_id_is_the_emulator_s_404()
    {
        await using var first = await WebhookApp.StartAsync(Secret);
        await using var second = await WebhookApp.StartAsync(OtherSecret);
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook(first.Url, WebhookSecret.Parse(Secret));
        var target = emulator.RegisterWebhook(second.Url, WebhookSecret.Parse(OtherSecret));
        var runner = CliRunner.ForEmulator(emulator);

        var run = await runner.RunAsync("trigger", "extraction.completed", "--webhook", target, "--json");
        var unknown = await runner.RunAsync("trigger", "extraction.completed", "--webhook", "wh_nonexistent", "--json");

        Assert.Equal(0, run.ExitCode);
        var delivery = Assert.Single(run.Json().GetProperty("deliveries").EnumerateArray());
        Assert.Equal(target, delivery.GetProperty("webhookId").GetString());
        Assert.Equal(200, delivery.GetProperty("httpStatus").GetInt32());
        Assert.Single(second.Handled);
        Assert.Empty(first.Handled);

        Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
        JsonSchema.AssertError(unknown.Json(), "api");
        var error = unknown.Json().GetProperty("error");
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal("/_emulator/trigger", error.GetProperty("path").GetString());
        Assert.Single(emulator.Deliveries); // the refused trigger delivered nothing
    }

    [Fact]
    public async Task Data_file_and_extraction_id_are_the_record_the_receiver_gets()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret), WebhookEventType.ExtractionCompleted);
        var data = Path.Combine(Path.GetTempPath(), $"docmap-cli-e2e-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(data, """{"templateName":"Invoice","extractedData":{"total":12.5,"currency":"EUR"}}""");
        try
        {
            var run = await CliRunner.ForEmulator(emulator).RunAsync("trigger", "extraction.completed", "--extraction-id", "ext_cli_42", "--data", data, "--json");

            Assert.Equal(0, run.ExitCode);
            Assert.Equal("ext_cli_42", Assert.Single(run.Json().GetProperty("deliveries").EnumerateArray()).GetProperty("extractionId").GetString());
            var (received, body, _) = Assert.Single(app.Handled);
            Assert.Equal("ext_cli_42", received.ExtractionId);
            using var sent = JsonDocument.Parse(body);
            var record = sent.RootElement.GetProperty("data");
            Assert.Equal("ext_cli_42", record.GetProperty("id").GetString()); // the emulator fills in what the file leaves out
            Assert.Equal("Invoice", record.GetProperty("templateName").GetString());
            Assert.Equal(12.5, record.GetProperty("extractedData").GetProperty("total").GetDouble());
            Assert.Equal("EUR", record.GetProperty("extractedData").GetProperty("currency").GetString());
            Assert.Equal(Assert.Single(emulator.Deliveries).Payload, System.Text.Encoding.UTF8.GetString(body));
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public async Task The_body_a_receiver_got_under_a_non_default_scheme_is_diagnosed_by_docmap_verify()
    {
        // The emulator signs with hex-decoded keys and a sha256= prefix; the receiver is configured to match.
        await using var app = await WebhookApp.StartAsync(Secret, "X-Acme-Signature", WebhookKeyDerivation.HexDecoded);
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            SignatureHeaderName = "X-Acme-Signature",
            SignatureKeyDerivation = WebhookKeyDerivation.HexDecoded,
            SignatureSha256Prefix = true,
        });
        emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret));
        var runner = CliRunner.ForEmulator(emulator);

        var triggered = await runner.RunAsync("trigger", "extraction.completed", "--json");
        Assert.Equal(0, triggered.ExitCode);
        var (_, body, signature) = Assert.Single(app.Handled);
        Assert.StartsWith("sha256=", signature, StringComparison.Ordinal);
        var bodyFile = Path.Combine(Path.GetTempPath(), $"docmap-cli-e2e-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(bodyFile, body);
        try
        {
            var diagnosed = await runner.RunAsync("verify", "--diagnose", "--secret", Secret, "--signature", $"X-Acme-Signature: {signature}", "--body-file", bodyFile, "--json");
            var verified = await runner.RunAsync("verify", "--secret", Secret, "--signature", signature, "--key-derivation", "hex", "--body-file", bodyFile);
            var defaultScheme = await runner.RunAsync("verify", "--secret", Secret, "--signature", signature, "--body-file", bodyFile);

            Assert.Equal(0, diagnosed.ExitCode);
            var json = diagnosed.Json();
            Assert.True(json.GetProperty("matched").GetBoolean());
            var match = json.GetProperty("match");
            Assert.Equal("hexDecoded", match.GetProperty("keyDerivation").GetString());
            Assert.Equal("asGiven", match.GetProperty("body").GetString());
            Assert.Equal("sha256=", match.GetProperty("prefix").GetString());
            var settings = json.GetProperty("settings").EnumerateArray().Select(s => (s.GetProperty("configurationKey").GetString(), s.GetProperty("value").GetString())).ToList();
            Assert.Contains(("DocMap:Webhooks:KeyDerivation", "HexDecoded"), settings);
            Assert.Contains(("DocMap:Webhooks:HeaderName", "X-Acme-Signature"), settings);
            Assert.Equal(0, verified.ExitCode);
            Assert.Equal(ExitCodes.Failure, defaultScheme.ExitCode);
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }

    [Fact]
    public async Task The_real_emulator_refuses_an_unknown_event_with_400_and_another_key_as_not_its_own()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret));
        var runner = CliRunner.ForEmulator(emulator);
        const string otherKey = "dm_test_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

        var unknownEvent = await runner.RunAsync("trigger", "extraction.archived", "--json");
        var wrongKey = await runner.RunAsync("trigger", "extraction.completed", "--api-key", otherKey);

        Assert.Equal(ExitCodes.Failure, unknownEvent.ExitCode);
        var error = unknownEvent.Json().GetProperty("error");
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal(ExitCodes.Failure, wrongKey.ExitCode);
        Assert.Contains("GET /_emulator answered HTTP 401 UNAUTHORIZED", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Contains("each emulator accepts only its own", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(otherKey, wrongKey.All, StringComparison.Ordinal);
        Assert.Empty(emulator.Deliveries);
        Assert.Empty(app.Handled);
    }

    [Fact]
    public async Task No_webhook_subscribed_to_the_event_is_a_warning_and_nothing_is_delivered()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret), WebhookEventType.ExtractionFailed);

        var run = await CliRunner.ForEmulator(emulator).RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, run.Json().GetProperty("deliveries").GetArrayLength());
        Assert.Contains("nothing was delivered", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(app.Handled);
    }

    /// <summary>The version <c>GET /_emulator</c> reports: DocMap.Client.Testing's informational version without its "+commit".</summary>
    private static string EmulatorPackageVersion()
    {
        var informational = typeof(DocMapEmulator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}

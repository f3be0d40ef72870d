using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DocMap.Cli.Infrastructure;
using DocMap.Client.Signatures;

namespace DocMap.Cli.Tests;

/// <summary>
/// <c>docmap emulator</c>'s options, in process: <c>--port</c>, <c>--api-key</c>, <c>--webhook</c> with <c>--secret</c>
/// (then <c>docmap trigger</c> to a real <c>MapDocMapWebhooks</c> receiver configured with that secret), the signature
/// options, the library's validation (exit 2, nothing echoed) and a port in use (exit 1).
/// </summary>
public sealed class EmulatorOptionsTests
{
    private const string Secret = TriggerEndToEndTests.Secret;

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<(CliRunner Runner, Task<CliRun> Running, JsonElement Started)> StartJsonAsync(CancellationToken stop, params string[] args)
    {
        var runner = new CliRunner();
        var running = runner.StartAsync(["emulator", "--json", .. args], stop);
        var line = (await runner.WaitForStdoutAsync(t => t.Contains('\n', StringComparison.Ordinal), running)).Split('\n')[0];
        return (runner, running, JsonDocument.Parse(line).RootElement.Clone());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Port_and_api_key_are_the_emulator_s_own_and_a_given_key_is_never_printed(bool json)
    {
        var port = FreePort();
        var key = "k_cli_" + Guid.NewGuid().ToString("N");
        var runner = new CliRunner();
        using var stop = new CancellationTokenSource();
        string[] args = json ? ["emulator", "--port", $"{port}", "--api-key", key, "--json"] : ["emulator", "--port", $"{port}", "--api-key", key];

        var running = runner.StartAsync(args, stop.Token);
        var text = await runner.WaitForStdoutAsync(t => json ? t.Contains('\n', StringComparison.Ordinal) : t.Contains("Signing:", StringComparison.Ordinal), running);
        var url = $"http://127.0.0.1:{port}/";
        if (json)
        {
            var started = JsonDocument.Parse(text.Split('\n')[0]).RootElement;
            Assert.Equal(url, started.GetProperty("url").GetString());
            Assert.Equal(JsonValueKind.Null, started.GetProperty("apiKey").ValueKind);
        }
        else
        {
            Assert.Contains($"DocMap emulator listening on {url}", text, StringComparison.Ordinal);
            Assert.Contains("API key: the one given with --api-key (not repeated here)", text, StringComparison.Ordinal);
            Assert.Contains($"export DOCMAP_BASE_URL={url}", text, StringComparison.Ordinal);
            Assert.DoesNotContain("export DOCMAP_API_KEY", text, StringComparison.Ordinal);
        }

        var withKey = await new CliRunner().With("DOCMAP_BASE_URL", url).With("DOCMAP_API_KEY", key).RunAsync("webhooks", "list", "--json");
        var withAnother = await new CliRunner().With("DOCMAP_BASE_URL", url).With("DOCMAP_API_KEY", "k_cli_other").RunAsync("webhooks", "list", "--json");
        Assert.Equal(0, withKey.ExitCode);
        Assert.Equal(0, withKey.Json().GetProperty("webhooks").GetArrayLength());
        Assert.Equal(ExitCodes.Failure, withAnother.ExitCode);
        Assert.Equal(401, withAnother.Json().GetProperty("error").GetProperty("status").GetInt32());

        await stop.CancelAsync();
        var run = await running;
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(key, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_with_secret_registers_that_secret_so_a_running_app_verifies_what_trigger_delivers()
    {
        await using var app = await WebhookApp.StartAsync(Secret);
        using var stop = new CancellationTokenSource();

        var (_, running, started) = await StartJsonAsync(stop.Token, "--webhook", app.Url, "--secret", Secret, "--event", "extraction.completed");
        var created = started.GetProperty("webhook");
        JsonSchema.AssertCreatedWebhook(created);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("secret").ValueKind); // given, so not echoed
        Assert.Equal(app.Url, created.GetProperty("webhook").GetProperty("url").GetString());
        Assert.Equal(["extraction.completed"], created.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        var client = new CliRunner()
            .With("DOCMAP_BASE_URL", started.GetProperty("url").GetString())
            .With("DOCMAP_API_KEY", started.GetProperty("apiKey").GetString());
        var triggered = await client.RunAsync("trigger", "extraction.completed", "--extraction-id", "ext_cli_emulator", "--json");
        var deliveries = await client.RunAsync("deliveries", "--json");

        Assert.Equal(0, triggered.ExitCode);
        var delivery = Assert.Single(triggered.Json().GetProperty("deliveries").EnumerateArray());
        Assert.Equal("success", delivery.GetProperty("status").GetString());
        Assert.Equal(200, delivery.GetProperty("httpStatus").GetInt32());
        Assert.Equal("ext_cli_emulator", Assert.Single(app.Handled).Event.ExtractionId);
        var logged = Assert.Single(deliveries.Json().GetProperty("deliveries").EnumerateArray());
        Assert.Equal(delivery.GetProperty("id").GetString(), logged.GetProperty("id").GetString());

        await stop.CancelAsync();
        var run = await running;
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(Secret, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_without_secret_prints_a_new_secret_and_deliveries_are_signed_with_it()
    {
        await using var receiver = await Receiver.StartAsync(); // keeps each body and signature, verifies nothing
        using var stop = new CancellationTokenSource();
        var runner = new CliRunner();

        var running = runner.StartAsync(["emulator", "--webhook", receiver.Ok], stop.Token);
        var text = await runner.WaitForStdoutAsync(t => t.Contains("Secret: ", StringComparison.Ordinal), running);
        var secret = Regex.Match(text, "Secret: ([0-9a-f]{64})   ").Groups[1].Value;
        var client = new CliRunner()
            .With("DOCMAP_BASE_URL", Regex.Match(text, @"export DOCMAP_BASE_URL=(\S+)").Groups[1].Value)
            .With("DOCMAP_API_KEY", Regex.Match(text, @"export DOCMAP_API_KEY=(\S+)").Groups[1].Value);
        var triggered = await client.RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(0, triggered.ExitCode);
        Assert.Equal(64, secret.Length);
        var (body, signature) = Assert.Single(receiver.Received);
        Assert.True(new WebhookSignatureVerifier(WebhookSecret.Parse(secret)).Verify(body, signature).IsValid);
        await stop.CancelAsync();
        Assert.Equal(0, (await running).ExitCode);
    }

    [Theory]
    [InlineData("X-Acme-Signature", "hex", true, "X-Acme-Signature", WebhookKeyDerivation.HexDecoded, 200)]
    [InlineData(null, null, true, null, WebhookKeyDerivation.Utf8Text, 200)]            // the SDK's verifier accepts sha256=
    [InlineData(null, "hex", false, null, WebhookKeyDerivation.Utf8Text, 401)]          // the receiver keys by the text
    [InlineData("X-Acme-Signature", null, false, null, WebhookKeyDerivation.Utf8Text, 401)] // the receiver reads another header
    public async Task Signature_options_sign_deliveries_the_way_a_receiver_configured_that_way_verifies(
        string? header, string? keyDerivation, bool prefix, string? appHeader, WebhookKeyDerivation appKeyDerivation, int expected)
    {
        await using var app = await WebhookApp.StartAsync(Secret, appHeader, appKeyDerivation);
        using var stop = new CancellationTokenSource();
        List<string> args = ["--webhook", app.Url, "--secret", Secret];
        if (header is not null)
        {
            args.AddRange(["--signature-header", header]);
        }

        if (keyDerivation is not null)
        {
            args.AddRange(["--key-derivation", keyDerivation]);
        }

        if (prefix)
        {
            args.Add("--sha256-prefix");
        }

        var (_, running, started) = await StartJsonAsync(stop.Token, [.. args]);
        var signature = started.GetProperty("signature");
        Assert.Equal(header ?? "X-DocMap-Signature", signature.GetProperty("headerName").GetString());
        Assert.Equal(keyDerivation == "hex" ? "hexDecoded" : "utf8Text", signature.GetProperty("keyDerivation").GetString());
        Assert.Equal(prefix ? "sha256=" : string.Empty, signature.GetProperty("prefix").GetString());

        var triggered = await new CliRunner()
            .With("DOCMAP_BASE_URL", started.GetProperty("url").GetString())
            .With("DOCMAP_API_KEY", started.GetProperty("apiKey").GetString())
            .RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(0, triggered.ExitCode);
        Assert.Equal(expected, Assert.Single(triggered.Json().GetProperty("deliveries").EnumerateArray()).GetProperty("httpStatus").GetInt32());
        Assert.Equal(expected == 200 ? 1 : 0, app.Handled.Count);
        if (expected == 200 && prefix)
        {
            Assert.StartsWith("sha256=", Assert.Single(app.Handled).Signature, StringComparison.Ordinal);
        }

        await stop.CancelAsync();
        Assert.Equal(0, (await running).ExitCode);
    }

    public static TheoryData<string[], string, string?> BadInput => new()
    {
        { ["--port", "70000"], "--port must be between 0 (a free port) and 65535.", null },
        { ["--port", "-1"], "--port must be between 0 (a free port) and 65535.", null },
        { ["--port", "http"], "Cannot parse argument 'http' for option '--port'", null },
        { ["--api-key", "has space"], "--api-key must be 1 to 1024 printable ASCII characters", "has space" },
        { ["--api-key", "k_é_secret_key"], "--api-key must be 1 to 1024 printable ASCII characters", "k_é_secret_key" },
        { ["--signature-header", "Content-Type"], "--signature-header must be an HTTP header name", null },
        { ["--signature-header", "X Bad"], "--signature-header must be an HTTP header name", null },
        { ["--key-derivation", "base64"], "--key-derivation must be utf8 or hex, not 'base64'.", null },
        { ["--webhook", "http://127.0.0.1:9/h", "--secret", new string('a', 63)], "--secret must be exactly 64 hexadecimal characters; the value given has 63 characters.", new string('a', 63) },
        { ["--webhook", "http://127.0.0.1:9/h", "--secret", new string('g', 64)], "--secret must be exactly 64 hexadecimal characters", new string('g', 64) },
        { ["--webhook", "http://127.0.0.1:9/h", "--secret", Secret + "\n"], "(remove the surrounding white space or newline)", Secret },
        { ["--secret", Secret], "--secret only applies with --webhook.", Secret },
        { ["--event", "extraction.completed"], "--event only applies with --webhook.", null },
        { ["--webhook", "ftp://127.0.0.1/h"], "--webhook must be an absolute https", null },
        { ["--webhook", "http://127.0.0.1:9/" + new string('p', 2100)], "--webhook must be an absolute http or https URL of at most 2048 characters.", null },
        { ["--webhook", "http://127.0.0.1:9/h", "--event", "extraction.archived"], "--event 'extraction.archived' must be one of extraction.completed, extraction.failed.", null },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_exit_2_by_the_library_s_rules_and_never_echoes_a_key_or_secret(string[] args, string expected, string? mustNotAppear)
    {
        var run = await new CliRunner().RunAsync(["emulator", .. args]);
        var json = await new CliRunner().RunAsync(["emulator", .. args, "--json"]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        Assert.DoesNotContain("listening", run.All, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, json.ExitCode);
        JsonSchema.AssertError(json.Json(), "usage");
        if (mustNotAppear is not null)
        {
            Assert.DoesNotContain(mustNotAppear, run.All + json.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_port_in_use_exits_1_with_a_clear_message()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await new CliRunner().RunAsync("emulator", "--port", $"{port}", "--api-key", "k_cli_taken_port");
        var json = await new CliRunner().RunAsync("emulator", "--port", $"{port}", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("pick another --port", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        Assert.DoesNotContain("k_cli_taken_port", run.All, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, json.ExitCode);
        JsonSchema.AssertError(json.Json(), "portInUse");
    }

    [Fact]
    public async Task A_live_looking_api_key_is_accepted_with_a_warning_and_never_printed()
    {
        var key = "dm_live_" + new string('5', 64);
        using var stop = new CancellationTokenSource();
        var runner = new CliRunner();

        var running = runner.StartAsync(["emulator", "--api-key", key], stop.Token);
        await runner.WaitForStdoutAsync(t => t.Contains("Signing:", StringComparison.Ordinal), running);
        await stop.CancelAsync();
        var run = await running;

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--api-key looks like a live DocMap key", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("5555555555", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_webhook_variables_of_the_user_s_shell_are_not_adopted()
    {
        // DOCMAP_API_KEY / DOCMAP_WEBHOOK_SECRET usually hold real credentials: the emulator mints its own.
        var liveKey = "dm_live_" + new string('6', 64);
        var runner = new CliRunner().With("DOCMAP_API_KEY", liveKey).With("DOCMAP_WEBHOOK_SECRET", Secret);
        using var stop = new CancellationTokenSource();

        var running = runner.StartAsync(["emulator", "--json", "--webhook", "http://127.0.0.1:9/h"], stop.Token);
        var line = (await runner.WaitForStdoutAsync(t => t.Contains('\n', StringComparison.Ordinal), running)).Split('\n')[0];
        await stop.CancelAsync();
        await running;

        var started = JsonDocument.Parse(line).RootElement;
        Assert.Matches("^dm_test_[0-9a-f]{64}$", started.GetProperty("apiKey").GetString());
        Assert.Matches("^[0-9a-f]{64}$", started.GetProperty("webhook").GetProperty("secret").GetString());
        Assert.NotEqual(Secret, started.GetProperty("webhook").GetProperty("secret").GetString());
        Assert.DoesNotContain(liveKey, runner.Stdout.ToString() + runner.Stderr, StringComparison.Ordinal);
    }
}

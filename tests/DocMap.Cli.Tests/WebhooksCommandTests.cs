using System.Net;
using System.Text.RegularExpressions;
using DocMap.Cli.Infrastructure;
using DocMap.Client;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary><c>docmap webhooks list | create | delete</c> against the emulator.</summary>
public sealed partial class WebhooksCommandTests
{
    [GeneratedRegex("^Secret: ([0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex SecretLine();

    [Fact]
    public async Task Create_registers_the_webhook_and_prints_its_secret_once_with_the_warning()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/webhooks/docmap");

        Assert.Equal(0, run.ExitCode);
        var webhook = Assert.Single((await emulator.CreateClient().ListWebhooksAsync()).Data);
        Assert.Equal("https://example.com/webhooks/docmap", webhook.Url);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], webhook.Events);
        Assert.Contains($"Created webhook {webhook.Id} for https://example.com/webhooks/docmap (extraction.completed, extraction.failed).", run.Stdout, StringComparison.Ordinal);

        var secret = Assert.Single(SecretLine().Matches(run.Stdout)).Groups[1].Value;
        Assert.Single(Regex.Matches(run.All, secret)); // once, on stdout only
        Assert.Contains("warning: DocMap shows this secret only once", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("DocMap__Webhooks__Secrets__0", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.ApiKey, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_events_subscribes_to_those_only()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--event", "extraction.failed");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal([WebhookEventType.ExtractionFailed], Assert.Single((await emulator.CreateClient().ListWebhooksAsync()).Data).Events);
    }

    [Fact]
    public async Task Create_json_carries_the_webhook_and_the_secret()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json();
        JsonSchema.AssertCreatedWebhook(json);
        Assert.Matches("^[0-9a-f]{64}$", json.GetProperty("secret").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("secretFile").ValueKind);
        var webhook = Assert.Single((await emulator.CreateClient().ListWebhooksAsync()).Data);
        Assert.Equal(webhook.Id, json.GetProperty("webhook").GetProperty("id").GetString());
        Assert.Contains("only once", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_event_is_refused_by_DocMap_with_exit_1_and_its_error_code()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--event", "extraction.archived", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var error = run.Json().GetProperty("error");
        Assert.Equal("api", error.GetProperty("kind").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal("POST", error.GetProperty("method").GetString());
        Assert.Equal("/v1/webhooks", error.GetProperty("path").GetString());
        Assert.Contains("DocMap refused POST /v1/webhooks: HTTP 400 VALIDATION_ERROR", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_eleventh_webhook_is_refused_with_MAX_WEBHOOKS_REACHED_and_exit_1()
    {
        await using var emulator = DocMapEmulator.Start();
        var runner = CliRunner.ForEmulator(emulator);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, (await runner.RunAsync("webhooks", "create", $"https://example.com/{i}")).ExitCode);
        }

        var run = await runner.RunAsync("webhooks", "create", "https://example.com/11");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("HTTP 400 MAX_WEBHOOKS_REACHED", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task List_prints_a_plain_table_when_redirected_and_json_on_request()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        var first = (await client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted]))).Data.Webhook;
        var second = (await client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/b", [WebhookEventType.ExtractionFailed]))).Data.Webhook;
        var runner = CliRunner.ForEmulator(emulator);

        var plain = await runner.RunAsync("webhooks", "list");
        var json = await runner.RunAsync("webhooks", "list", "--json");

        Assert.Equal(0, plain.ExitCode);
        var lines = plain.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^ID\s+URL\s+EVENTS\s+ACTIVE\s+CREATED \(UTC\)$", lines[0]);
        Assert.Matches($@"^{first.Id}\s+https://example.com/a\s+extraction\.completed\s+yes\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d$", lines[1]);
        Assert.Matches($@"^{second.Id}\s+https://example.com/b\s+extraction\.failed\s+yes\s", lines[2]);
        Assert.DoesNotMatch(@"[│┌└─╭╰\x1b]", plain.Stdout); // no borders, no escape codes in a pipe
        Assert.Empty(plain.Stderr);

        Assert.Equal(0, json.ExitCode);
        var webhooks = json.Json().GetProperty("webhooks");
        Assert.Equal(2, webhooks.GetArrayLength());
        foreach (var webhook in webhooks.EnumerateArray())
        {
            JsonSchema.AssertWebhook(webhook);
        }

        Assert.Equal(first.Id, webhooks[0].GetProperty("id").GetString());
        Assert.Equal(["extraction.completed"], webhooks[0].GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("secret", json.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task List_with_no_webhooks_says_so()
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "list");
        var json = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "list", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("No webhooks.", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, json.Json().GetProperty("webhooks").GetArrayLength());
    }

    [Fact]
    public async Task Delete_removes_the_webhook_and_a_second_delete_is_NOT_FOUND_with_exit_1()
    {
        await using var emulator = DocMapEmulator.Start();
        var id = (await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted]))).Data.Webhook.Id;
        var runner = CliRunner.ForEmulator(emulator);

        var deleted = await runner.RunAsync("webhooks", "delete", id, "--json");
        var again = await runner.RunAsync("webhooks", "delete", id);

        Assert.Equal(0, deleted.ExitCode);
        JsonSchema.AssertExactly(deleted.Json(), "id", "deleted");
        Assert.Equal(id, deleted.Json().GetProperty("id").GetString());
        Assert.True(deleted.Json().GetProperty("deleted").GetBoolean());
        Assert.Empty((await emulator.CreateClient().ListWebhooksAsync()).Data);

        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains($"DocMap refused DELETE /v1/webhooks/{id}: HTTP 404 NOT_FOUND", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_prints_a_plain_confirmation()
    {
        await using var emulator = DocMapEmulator.Start();
        var id = (await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted]))).Data.Webhook.Id;

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "delete", id);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"Deleted webhook {id}.\n", run.Stdout);
    }

    [Fact]
    public async Task A_wrong_api_key_exits_1_with_UNAUTHORIZED_and_the_key_is_never_printed()
    {
        await using var emulator = DocMapEmulator.Start();
        const string wrongKey = "dm_live_9999999999999999999999999999999999999999999999999999999999999999";
        var runner = new CliRunner().With("DOCMAP_BASE_URL", emulator.Url.AbsoluteUri);

        foreach (var args in new[]
                 {
                     new[] { "webhooks", "list", "--api-key", wrongKey },
                     ["webhooks", "list", "--api-key", wrongKey, "--json", "--verbose"],
                     ["deliveries", "--api-key", wrongKey, "--verbose"],
                     ["webhooks", "create", "https://example.com/h", "--api-key", wrongKey, "--json"],
                 })
        {
            var run = await runner.RunAsync(args);

            Assert.Equal(ExitCodes.Failure, run.ExitCode);
            Assert.Contains("401", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("UNAUTHORIZED", run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongKey, run.All, StringComparison.Ordinal);
            Assert.DoesNotContain("99999999", run.All, StringComparison.Ordinal);
        }

        // From the environment too.
        var fromEnvironment = await runner.With("DOCMAP_API_KEY", wrongKey).RunAsync("webhooks", "list", "--verbose");
        Assert.Equal(ExitCodes.Failure, fromEnvironment.ExitCode);
        Assert.Contains("debug: HTTP GET", fromEnvironment.Stderr, StringComparison.Ordinal); // the debug output exists...
        Assert.DoesNotContain(wrongKey, fromEnvironment.All, StringComparison.Ordinal);      // ...and never shows the key
    }

    [Fact]
    public async Task A_closed_port_exits_1_saying_the_network_refused()
    {
        var closed = ClosedLoopbackPort();
        var runner = new CliRunner().With("DOCMAP_API_KEY", "dm_live_" + new string('7', 64));

        var run = await runner.RunAsync("webhooks", "list", "--base-url", closed);
        var json = await runner.RunAsync("deliveries", "--base-url", closed, "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains($"Could not reach {closed.TrimEnd('/')}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("refused", run.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(run.Stdout);
        Assert.Equal(ExitCodes.Failure, json.ExitCode);
        Assert.Equal("network", json.Json().GetProperty("error").GetProperty("kind").GetString());
        Assert.DoesNotContain("7777777777", run.All + json.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_error_after_retries_exits_1_with_its_code()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 10, HttpStatusCode.ServiceUnavailable);

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "list", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal(503, run.Json().GetProperty("error").GetProperty("status").GetInt32());
    }

    internal static string ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/";
    }
}

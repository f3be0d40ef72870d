using System.Text.Json;
using System.Text.RegularExpressions;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary><c>docmap emulator</c>: runs until cancelled, prints its URL and key, and registers <c>--webhook</c>.</summary>
public sealed partial class EmulatorCommandTests
{
    [GeneratedRegex(@"export DOCMAP_API_KEY=(dm_test_[0-9a-f]{64})")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"export DOCMAP_BASE_URL=(http://127\.0\.0\.1:\d+/)")]
    private static partial Regex UrlLine();

    [Fact]
    public async Task It_serves_the_api_until_cancelled_and_prints_how_to_point_docmap_at_it()
    {
        var runner = new CliRunner();
        using var stop = new CancellationTokenSource();

        var running = runner.StartAsync(["emulator"], stop.Token);
        var text = await runner.WaitForStdoutAsync(t => KeyLine().IsMatch(t) && UrlLine().IsMatch(t), running);
        var url = UrlLine().Match(text).Groups[1].Value;
        var key = KeyLine().Match(text).Groups[1].Value;

        // Another docmap, pointed at it by the printed lines, works against it.
        var client = new CliRunner().With("DOCMAP_BASE_URL", url).With("DOCMAP_API_KEY", key);
        var created = await client.RunAsync("webhooks", "create", "https://example.com/hook", "--json");
        var listed = await client.RunAsync("webhooks", "list", "--json");
        Assert.Equal(0, created.ExitCode);
        Assert.Equal(
            created.Json().GetProperty("webhook").GetProperty("id").GetString(),
            Assert.Single(listed.Json().GetProperty("webhooks").EnumerateArray()).GetProperty("id").GetString());

        await stop.CancelAsync();
        var run = await running;
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"DocMap emulator listening on {url}", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Stopping the emulator.", run.Stderr, StringComparison.Ordinal);

        // Once stopped, nothing listens there any more.
        var after = await client.RunAsync("webhooks", "list");
        Assert.Equal(ExitCodes.Failure, after.ExitCode);
        Assert.Contains("Could not reach", after.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_webhook_and_json_the_first_line_describes_the_emulator_the_webhook_and_its_secret()
    {
        var runner = new CliRunner();
        using var stop = new CancellationTokenSource();

        var running = runner.StartAsync(["emulator", "--webhook", "http://127.0.0.1:5000/webhooks/docmap", "--event", "extraction.failed", "--json"], stop.Token);
        var line = (await runner.WaitForStdoutAsync(t => t.Contains('\n', StringComparison.Ordinal), running)).Split('\n')[0];
        var json = JsonDocument.Parse(line).RootElement;

        JsonSchema.AssertExactly(json, "url", "apiKey", "userId", "webhook", "signature");
        JsonSchema.AssertExactly(json.GetProperty("signature"), "headerName", "keyDerivation", "prefix");
        Assert.Equal("X-DocMap-Signature", json.GetProperty("signature").GetProperty("headerName").GetString());
        Assert.Equal("utf8Text", json.GetProperty("signature").GetProperty("keyDerivation").GetString());
        Assert.Equal(string.Empty, json.GetProperty("signature").GetProperty("prefix").GetString());
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", json.GetProperty("url").GetString());
        Assert.Matches("^dm_test_[0-9a-f]{64}$", json.GetProperty("apiKey").GetString());
        var created = json.GetProperty("webhook");
        JsonSchema.AssertCreatedWebhook(created);
        Assert.Matches("^[0-9a-f]{64}$", created.GetProperty("secret").GetString());
        Assert.Equal(["extraction.failed"], created.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        var deliveries = await new CliRunner()
            .With("DOCMAP_BASE_URL", json.GetProperty("url").GetString())
            .With("DOCMAP_API_KEY", json.GetProperty("apiKey").GetString())
            .RunAsync("webhooks", "list", "--json");
        Assert.Equal("http://127.0.0.1:5000/webhooks/docmap", Assert.Single(deliveries.Json().GetProperty("webhooks").EnumerateArray()).GetProperty("url").GetString());

        await stop.CancelAsync();
        var run = await running;
        Assert.Equal(0, run.ExitCode);
        Assert.Single(run.Stdout.TrimEnd('\n').Split('\n')); // stdout holds the one JSON line only
    }

    [Fact]
    public async Task A_bad_webhook_url_is_a_usage_error_and_no_emulator_starts()
    {
        var run = await new CliRunner().RunAsync("emulator", "--webhook", "not a url");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--webhook must be an absolute https", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }
}

using DocMap.Client;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary>Plain output in pipes and with NO_COLOR; rich output (borders, colour) only on a terminal; hostile text stays text.</summary>
public sealed class OutputTests
{
    private const string Escape = "\u001b[";

    private static async Task<DocMapEmulator> EmulatorWithOneWebhookAsync(string url = "https://example.com/hook")
    {
        var emulator = DocMapEmulator.Start();
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest(url, [WebhookEventType.ExtractionCompleted]));
        return emulator;
    }

    [Fact]
    public async Task On_a_terminal_tables_have_borders_and_colour()
    {
        await using var emulator = await EmulatorWithOneWebhookAsync();
        var runner = CliRunner.ForEmulator(emulator).With("TERM", "xterm-256color");
        runner.Interactive = true;

        var run = await runner.RunAsync("webhooks", "list");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("╭", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(Escape, run.Stdout, StringComparison.Ordinal);
        Assert.Contains("https://example.com/hook", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NO_COLOR_makes_a_terminal_plain()
    {
        await using var emulator = await EmulatorWithOneWebhookAsync();
        var runner = CliRunner.ForEmulator(emulator).With("NO_COLOR", "1");
        runner.Interactive = true;

        var run = await runner.RunAsync("webhooks", "list");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(Escape, run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("╭", run.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("ID  ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TERM_dumb_makes_a_terminal_plain()
    {
        await using var emulator = await EmulatorWithOneWebhookAsync();
        var runner = CliRunner.ForEmulator(emulator).With("TERM", "dumb");
        runner.Interactive = true;

        var run = await runner.RunAsync("webhooks", "list");

        Assert.DoesNotContain(Escape, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_on_a_terminal_is_still_exactly_one_json_document()
    {
        await using var emulator = await EmulatorWithOneWebhookAsync();
        var runner = CliRunner.ForEmulator(emulator);
        runner.Interactive = true;

        var run = await runner.RunAsync("webhooks", "list", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(1, run.Json().GetProperty("webhooks").GetArrayLength());
        Assert.DoesNotContain(Escape, run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markup_and_escape_sequences_from_the_server_are_printed_as_inert_text()
    {
        // A URL DocMap accepted may contain what Spectre would read as markup; a hostile server could send escapes.
        await using var emulator = await EmulatorWithOneWebhookAsync("https://example.com/[red]x[/]");
        var runner = CliRunner.ForEmulator(emulator).With("TERM", "xterm-256color");
        runner.Interactive = true;

        var rich = await runner.RunAsync("webhooks", "list");
        runner.Interactive = false;
        var plain = await runner.RunAsync("webhooks", "list");

        Assert.Equal(0, rich.ExitCode);
        Assert.Contains("[red]x[/]", rich.Stdout, StringComparison.Ordinal);
        Assert.Contains("https://example.com/[red]x[/]", plain.Stdout, StringComparison.Ordinal);
        Assert.Equal("-", Output.CliOutput.Cell(null));
        Assert.Equal("a?[31mb", Output.CliOutput.Cell("a\u001b[31mb"));
    }

    [Fact]
    public async Task Errors_on_a_terminal_are_coloured_and_in_a_pipe_plain()
    {
        var runner = new CliRunner().With("DOCMAP_API_KEY", "dm_live_x").With("TERM", "xterm-256color");
        runner.Interactive = true;

        var rich = await runner.RunAsync("webhooks", "list", "--base-url", WebhooksCommandTests.ClosedLoopbackPort());
        runner.Interactive = false;
        var plain = await runner.RunAsync("webhooks", "list", "--base-url", WebhooksCommandTests.ClosedLoopbackPort());

        Assert.Equal(1, rich.ExitCode);
        Assert.Contains(Escape, rich.Stderr, StringComparison.Ordinal);
        Assert.Contains("Could not reach", rich.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("error: Could not reach", plain.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Escape, plain.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>A reader that stops reading (<c>docmap deliveries | head -1</c>): the command ends quietly, exit 0.</summary>
public sealed class ClosedOutputTests
{
    /// <summary>Standard output whose writes fail after <paramref name="lines"/> lines with <paramref name="errno"/>, as .NET reports it (HResult = errno).</summary>
    private sealed class ClosingWriter(int lines, int errno = ClosingWriter.BrokenPipe) : TextWriter
    {
        public const int BrokenPipe = 32; // EPIPE: the reader went away
        public const int NoSpace = 28; // ENOSPC: a full disk (or /dev/full)

        private int _left = lines;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
        }

        public override void WriteLine(string? value)
        {
            if (_left-- <= 0)
            {
                throw new IOException(errno == BrokenPipe ? "Broken pipe" : "No space left on device", errno);
            }
        }
    }

    [Fact]
    public async Task A_closed_standard_output_ends_the_command_with_exit_0_and_no_error()
    {
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        await client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/a", [WebhookEventType.ExtractionCompleted]));
        await client.CreateWebhookAsync(new CreateWebhookRequest("https://example.com/b", [WebhookEventType.ExtractionCompleted]));
        var environment = new Dictionary<string, string?> { ["DOCMAP_API_KEY"] = emulator.ApiKey, ["DOCMAP_BASE_URL"] = emulator.Url.AbsoluteUri };
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines: 1), error, () => Stream.Null, name => environment.GetValueOrDefault(name));

        var exit = await CliApp.RunAsync(["webhooks", "list"], host, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task The_emulator_keeps_serving_when_its_standard_output_is_closed()
    {
        // `docmap emulator | head -1` (or a script that read the line it wanted): the emulator is the command's job,
        // its printed lines only describe it, so a reader going away must not stop it. Only Ctrl+C does.
        var port = EmulatorOptionsTests.FreePort();
        const string key = "k_closed_output_4711";
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines: 1), TextWriter.Synchronized(error), () => Stream.Null, _ => null);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => CliApp.RunAsync(["emulator", "--port", $"{port}", "--api-key", key], host, stop.Token));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            var served = false;
            while (!served && !running.IsCompleted && DateTime.UtcNow < deadline)
            {
                try
                {
                    served = (await http.GetAsync("v1/webhooks")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50);
                }
            }

            Assert.False(running.IsCompleted, $"the emulator stopped when its output closed: exit {(running.IsCompleted ? await running : -1)}, stderr: {error}");
            Assert.True(served, "the emulator never answered");
            Assert.True((await http.GetAsync("v1/webhooks")).IsSuccessStatusCode);
            Assert.False(running.IsCompleted);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Stopping the emulator.", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("error", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("webhooks", "list", "--json", "--base-url", "http://127.0.0.1:1/")] // a failure: the JSON error document
    [InlineData("deliveries", "--limit", "0", "--json")] // a usage error: the same
    public async Task An_error_with_json_into_a_closed_standard_output_still_exits_with_its_code(params string[] args)
    {
        // `docmap webhooks list --json | jq-that-exited`: the error document cannot be written; the exit code and the
        // message on standard error are what is left, and the process must not crash on the closed pipe.
        var environment = new Dictionary<string, string?> { ["DOCMAP_API_KEY"] = "k_closed_4711" };
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines: 0), error, () => Stream.Null, name => environment.GetValueOrDefault(name));

        var exit = await CliApp.RunAsync(args, host, CancellationToken.None);

        Assert.Equal(args[0] == "deliveries" ? 2 : 1, exit);
        Assert.StartsWith("error: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("webhooks", "--help")]
    [InlineData("deliveries", "--help")]
    public async Task Help_into_a_closed_standard_output_ends_quietly_with_exit_0(params string[] args)
    {
        // `docmap --help | head -3`: the parser's help action writes the rest into a pipe nobody reads.
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines: 3), error, () => Stream.Null, _ => null);

        var exit = await CliApp.RunAsync(args, host, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Empty(error.ToString());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Verify_into_a_closed_standard_output_still_exits_with_its_verdict(bool diagnose, bool json)
    {
        // `docmap verify ... | head -0` under `set -o pipefail`: the printed verdict is lost, the exit code must not lie.
        var secret = new string('c', 64);
        var environment = new Dictionary<string, string?> { ["DOCMAP_WEBHOOK_SECRET"] = secret };
        var body = "{\"event\":\"extraction.completed\"}"u8.ToArray();
        var valid = DocMap.Client.Signatures.WebhookSigner.Sign(DocMap.Client.Signatures.WebhookSecret.Parse(secret), body, new DocMap.Client.Signatures.WebhookSignatureOptions());
        foreach (var (signature, expected) in new[] { (new string('0', 64), 1), (valid, 0) })
        {
            using var error = new StringWriter();
            var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines: 0), error, () => new MemoryStream(body), name => environment.GetValueOrDefault(name));
            var args = new List<string> { "verify", "--signature", signature };
            if (diagnose)
            {
                args.Add("--diagnose");
            }

            if (json)
            {
                args.Add("--json");
            }

            var exit = await CliApp.RunAsync([.. args], host, CancellationToken.None);

            Assert.True(expected == exit, $"{(expected == 0 ? "a valid" : "an invalid")} signature exited {exit}");
        }
    }

    [Theory]
    [InlineData(0, false)] // nothing could be printed
    [InlineData(1, false)] // "Created webhook ..." was printed, the "Secret: ..." line was not
    [InlineData(0, true)]
    public async Task A_secret_that_could_not_be_printed_does_not_leave_a_webhook_behind(int lines, bool json)
    {
        // `docmap webhooks create URL | tool-that-exited`: DocMap shows the secret once; a webhook nobody has the secret
        // of is useless, so it is deleted again (exit 1), as when --secret-file cannot be written.
        await using var emulator = DocMapEmulator.Start();
        var environment = new Dictionary<string, string?> { ["DOCMAP_API_KEY"] = emulator.ApiKey, ["DOCMAP_BASE_URL"] = emulator.Url.AbsoluteUri };
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(new ClosingWriter(lines), error, () => Stream.Null, name => environment.GetValueOrDefault(name));
        string[] args = json ? ["webhooks", "create", "https://example.com/hook", "--json"] : ["webhooks", "create", "https://example.com/hook"];

        var exit = await CliApp.RunAsync(args, host, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("was deleted again", error.ToString(), StringComparison.Ordinal);
        Assert.Empty((await emulator.CreateClient().ListWebhooksAsync()).Data);
    }

    [Theory]
    [InlineData("sign")]
    [InlineData("webhooks", "list", "--json")]
    [InlineData("webhooks", "create", "https://example.com/hook")]
    [InlineData("--help")]
    public async Task A_standard_output_that_cannot_be_written_is_exit_1_not_a_quiet_success(params string[] args)
    {
        // `docmap sign > signature.txt` on a full disk: unlike a reader that went away, the result was wanted and is
        // lost, so the command fails (exit 1, kind io) and says why; a created webhook is deleted again.
        await using var emulator = DocMapEmulator.Start();
        var environment = new Dictionary<string, string?>
        {
            ["DOCMAP_API_KEY"] = emulator.ApiKey,
            ["DOCMAP_BASE_URL"] = emulator.Url.AbsoluteUri,
            ["DOCMAP_WEBHOOK_SECRET"] = new string('c', 64),
        };
        using var error = new StringWriter();
        var host = new DocMap.Cli.Infrastructure.CliHost(
            new ClosingWriter(lines: 0, ClosingWriter.NoSpace), error, () => new MemoryStream("{}"u8.ToArray()), name => environment.GetValueOrDefault(name));

        var exit = await CliApp.RunAsync(args, host, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("error: Could not write to standard output: No space left on device", error.ToString(), StringComparison.Ordinal);
        Assert.Empty((await emulator.CreateClient().ListWebhooksAsync()).Data);
    }
}

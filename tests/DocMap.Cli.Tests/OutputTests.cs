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
    private sealed class ClosingWriter(int lines) : TextWriter
    {
        private int _left = lines;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
        }

        public override void WriteLine(string? value)
        {
            if (_left-- <= 0)
            {
                throw new IOException("Broken pipe");
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
}

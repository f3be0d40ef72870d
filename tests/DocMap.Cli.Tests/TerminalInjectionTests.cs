using System.Text.Json.Nodes;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// Text a server sends (error messages, ids, events, a secret, the emulator's version) never reaches the terminal as
/// control characters: a hostile or compromised server could otherwise set the window title, clear the screen, or hide
/// text with escape sequences. Checked on standard output and standard error, plain and rich.
/// </summary>
public sealed class TerminalInjectionTests
{
    /// <summary>OSC "set window title" ended by BEL, "clear screen", "blink": sequences Spectre's own styling never writes.</summary>
    private const string Payload = "\u001b]0;pwned\u0007\u001b[2J\u001b[5m";

    private static void AssertInert(string text, bool plain)
    {
        Assert.DoesNotContain("\u001b]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[2J", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[5m", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", text, StringComparison.Ordinal);
        if (plain)
        {
            Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);
        }
    }

    private static CliRunner For(HostileDocMap server, bool interactive = false)
    {
        var runner = new CliRunner().With("DOCMAP_API_KEY", "k_hostile_test").With("DOCMAP_BASE_URL", server.Url.AbsoluteUri).With("TERM", "xterm-256color");
        runner.Interactive = interactive;
        return runner;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_error_message_from_the_server_is_printed_without_its_control_characters(bool interactive)
    {
        await using var server = await HostileDocMap.StartAsync();
        server.Handler = context => HostileDocMap.Error(context, 400, "VALIDATION_ERROR", "bad " + Payload + "request");

        var run = await For(server, interactive).RunAsync("webhooks", "list");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("VALIDATION_ERROR", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("request", run.Stderr, StringComparison.Ordinal);
        AssertInert(run.All, plain: !interactive);
    }

    [Fact]
    public async Task A_created_webhook_with_hostile_fields_prints_them_as_inert_text()
    {
        await using var server = await HostileDocMap.StartAsync();
        server.Handler = context => HostileDocMap.Json(context, 200, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["secret"] = Payload + "abc",
                ["webhook"] = new JsonObject
                {
                    ["id"] = "wh_" + Payload,
                    ["userId"] = "usr_1",
                    ["url"] = "https://example.com/" + Payload,
                    ["events"] = new JsonArray("extraction.completed" + Payload),
                    ["active"] = true,
                    ["createdAt"] = "2025-01-20T14:30:04.000Z",
                },
            },
        });

        var run = await For(server).RunAsync("webhooks", "create", "https://example.com/h");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Created webhook wh_", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Secret: ", run.Stdout, StringComparison.Ordinal);
        AssertInert(run.All, plain: true);
    }

    [Fact]
    public async Task A_watch_warning_about_a_transient_failure_is_inert()
    {
        await using var server = await HostileDocMap.StartAsync();
        var calls = 0;
        server.Handler = context => Interlocked.Increment(ref calls) <= 4 // one poll: the first attempt and the client's 3 retries
            ? HostileDocMap.Error(context, 503, "INTERNAL_ERROR", "down " + Payload)
            : HostileDocMap.Error(context, 401, "UNAUTHORIZED", "no " + Payload);

        var run = await For(server).RunAsync("deliveries", "--watch", "--interval", "1s");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("warning: DocMap refused GET /v1/webhooks/deliveries: HTTP 503", run.Stderr, StringComparison.Ordinal);
        AssertInert(run.All, plain: true);
    }

    [Fact]
    public async Task A_fake_emulator_with_a_hostile_version_and_error_is_inert_also_in_verbose_output()
    {
        await using var server = await HostileDocMap.StartAsync();
        server.Handler = context => context.Request.Method == "GET"
            ? HostileDocMap.Json(context, 200, new JsonObject
            {
                ["data"] = new JsonObject { ["name"] = "docmap-emulator", ["version"] = "1" + Payload, ["url"] = "http://x/" + Payload, ["userId"] = "u" },
            })
            : HostileDocMap.Error(context, 400, "VALIDATION_ERROR", "nope " + Payload);

        var run = await For(server).RunAsync("trigger", "extraction.completed", "--verbose");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("debug: emulator 1", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nope", run.Stderr, StringComparison.Ordinal);
        AssertInert(run.All, plain: true);
    }
}

using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>The command line itself: help, version, and every kind of wrong input (a clear message, exit 2, nothing sent).</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Version_prints_the_package_version_and_exits_0()
    {
        var run = await new CliRunner().RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?\n$", run.Stdout);
        Assert.Empty(run.Stderr);

        // Program answers a lone --version before System.CommandLine loads; it must print the very same text.
        Assert.Equal(Program.Version + "\n", run.Stdout);
    }

    [Fact]
    public async Task Help_lists_every_command_and_the_exit_codes()
    {
        var run = await new CliRunner().RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "webhooks", "deliveries", "trigger", "sign", "verify", "emulator" })
        {
            Assert.Contains("  " + command, run.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("Exit codes: 0 success, 1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_command_shows_the_overview_on_stderr_and_exits_2()
    {
        var run = await new CliRunner().RunAsync();

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("Commands:", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "webhok" }, "Unrecognized command or argument 'webhok'")]
    [InlineData(new[] { "webhooks", "create" }, "Required argument 'url' missing")]
    [InlineData(new[] { "webhooks", "delete" }, "Required argument 'id' missing")]
    [InlineData(new[] { "trigger" }, "Required argument 'event' missing")]
    [InlineData(new[] { "deliveries", "--limit", "0" }, "--limit must be a whole number from 1 to 100")]
    [InlineData(new[] { "deliveries", "--limit", "101" }, "--limit must be a whole number from 1 to 100")]
    [InlineData(new[] { "deliveries", "--limit", "ten" }, "not 'ten'")]
    [InlineData(new[] { "deliveries", "--limit", "-5" }, "--limit must be a whole number")]
    [InlineData(new[] { "deliveries", "--watch", "--interval", "10ms" }, "--interval must be a time from 1s to 1h")]
    [InlineData(new[] { "deliveries", "--watch", "--interval", "soon" }, "--interval must be a time")]
    [InlineData(new[] { "deliveries", "--interval", "2s" }, "--interval only applies with --watch")]
    [InlineData(new[] { "verify", "--secret", "00" }, "Option '--signature' is required")]
    [InlineData(new[] { "sign", "--key-derivation", "base32" }, "--key-derivation must be utf8 or hex")]
    [InlineData(new[] { "emulator", "--event", "extraction.failed" }, "--event only applies with --webhook")]
    [InlineData(new[] { "webhooks", "list", "--frobnicate" }, "Unrecognized command or argument '--frobnicate'")]
    public async Task A_wrong_command_line_says_what_is_wrong_and_exits_2(string[] args, string expected)
    {
        var run = await new CliRunner().RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help' for usage", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task A_usage_error_with_json_also_prints_a_json_error_on_stdout()
    {
        var run = await new CliRunner().RunAsync("deliveries", "--limit", "0", "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        var error = run.Json().GetProperty("error");
        Assert.Equal("usage", error.GetProperty("kind").GetString());
        Assert.Contains("--limit", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://api.docmap.io")]
    [InlineData("/relative")]
    [InlineData("https://user:password@api.docmap.io")]
    public async Task A_bad_base_url_is_refused_with_exit_2_before_any_request(string baseUrl)
    {
        var run = await new CliRunner().With("DOCMAP_API_KEY", "dm_live_x").RunAsync("webhooks", "list", "--base-url", baseUrl);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--base-url must be an absolute http or https URL", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("password", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_base_url_in_the_environment_names_the_variable()
    {
        var run = await new CliRunner().With("DOCMAP_API_KEY", "dm_live_x").With("DOCMAP_BASE_URL", "nowhere").RunAsync("deliveries");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("DOCMAP_BASE_URL must be an absolute", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("webhooks", "list")]
    [InlineData("deliveries")]
    [InlineData("webhooks", "delete", "wh_1")]
    [InlineData("trigger", "extraction.completed")]
    public async Task Without_an_api_key_api_commands_exit_2_and_name_both_ways_to_give_one(params string[] args)
    {
        var run = await new CliRunner().RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("No DocMap API key: pass --api-key or set DOCMAP_API_KEY.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_key_with_a_trailing_newline_is_refused_with_exit_2_without_echoing_it()
    {
        const string key = "dm_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var run = await new CliRunner().With("DOCMAP_API_KEY", key + "\n").RunAsync("webhooks", "list", "--base-url", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("API key", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", run.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-url")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("/webhooks/docmap")]
    public async Task Create_refuses_a_url_that_is_not_absolute_http_before_any_request(string url)
    {
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", url);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("<url> must be an absolute https", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task An_event_with_a_space_is_refused_before_any_request()
    {
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "create", "https://example.com/h", "--event", "extraction completed");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("is not an event name", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(emulator.Requests);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5s", 1500)]
    [InlineData("1m", 60000)]
    [InlineData("3", 3000)]
    [InlineData("1h", 3600000)]
    public void Durations_parse_in_the_documented_forms(string text, int milliseconds)
    {
        Assert.True(Commands.DeliveriesCommand.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("NaNs")]
    [InlineData("1e400s")]
    [InlineData("2d")]
    public void Durations_that_are_not_times_do_not_parse(string text) =>
        Assert.False(Commands.DeliveriesCommand.TryParseDuration(text, out _));
}

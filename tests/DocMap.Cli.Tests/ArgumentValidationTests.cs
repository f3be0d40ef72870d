using DocMap.Cli.Infrastructure;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary>Malformed values are the command line's fault (exit 2, kind usage) in every command, before anything is sent.</summary>
public sealed class ArgumentValidationTests
{
    [Theory]
    [InlineData("k_line\nbreak_0123")]
    [InlineData("k_with space_0123")]
    [InlineData("k_trailing_cr_0123\r")]
    public async Task Trigger_refuses_a_malformed_api_key_like_every_other_command(string key)
    {
        await using var fake = await FakeControlApi.StartAsync();
        var runner = new CliRunner().With("DOCMAP_BASE_URL", fake.Url.AbsoluteUri);

        var trigger = await runner.RunAsync("trigger", "extraction.completed", "--api-key", key, "--json");
        var list = await runner.RunAsync("webhooks", "list", "--api-key", key, "--json");

        Assert.Equal(ExitCodes.UsageError, list.ExitCode);
        Assert.Equal(ExitCodes.UsageError, trigger.ExitCode);
        JsonSchema.AssertError(trigger.Json(), "usage");
        Assert.Contains("printable ASCII", trigger.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Trim(), trigger.All, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Delete_refuses_a_dot_segment_id_as_a_usage_error(string id)
    {
        await using var emulator = DocMapEmulator.Start();

        var run = await CliRunner.ForEmulator(emulator).RunAsync("webhooks", "delete", id, "--json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        JsonSchema.AssertError(run.Json(), "usage");
        Assert.Contains("<id> must be an id", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(emulator.Requests);
    }
}

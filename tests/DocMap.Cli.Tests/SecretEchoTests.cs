using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// A key or secret typed on a command line that does not parse (a misspelt command, so the option is not bound and
/// its value becomes an "unrecognized argument") is not echoed back in the usage error, plain or JSON.
/// </summary>
public sealed class SecretEchoTests
{
    [Theory]
    [InlineData("webhooks", "lst", "--api-key", "k_typed_key_4711")]
    [InlineData("webhooks", "lst", "--api-key=k_typed_key_4711")]
    [InlineData("webhooks", "lst", "--json", "--api-key", "k_typed_key_4711")]
    [InlineData("sgn", "--secret", "k_typed_key_4711")]
    [InlineData("emulatr", "--api-key", "k_typed_key_4711", "--json")]
    [InlineData("deliveries", "--api-key", "k_typed_key_4711", "--limit", "0")]
    public async Task A_value_given_to_api_key_or_secret_is_never_echoed_in_a_usage_error(params string[] args)
    {
        var run = await new CliRunner().RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("error: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("k_typed_key_4711", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("typed_key", run.All, StringComparison.Ordinal);
    }
}

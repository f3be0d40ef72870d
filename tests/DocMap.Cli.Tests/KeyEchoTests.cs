using System.Text.Json.Nodes;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// A server that quotes the request's Authorization header back (a misconfigured proxy, or something posing as the
/// emulator) must not get the API key printed: not in the error text, and not in any member of the <c>--json</c> error
/// document (the error <c>code</c> included).
/// </summary>
public sealed class KeyEchoTests
{
    private const string Key = "k_echoed_key_4711";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_emulator_echoing_the_key_in_its_error_code_does_not_get_it_printed(bool json)
    {
        await using var server = await HostileDocMap.StartAsync();
        server.Handler = context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            return context.Request.Method == "GET"
                ? HostileDocMap.Json(context, 200, new JsonObject { ["data"] = new JsonObject { ["name"] = "docmap-emulator", ["version"] = "1", ["url"] = "http://x/" } })
                : HostileDocMap.Error(context, 400, authorization, "refused: " + authorization);
        };
        var runner = new CliRunner().With("DOCMAP_API_KEY", Key).With("DOCMAP_BASE_URL", server.Url.AbsoluteUri);

        var run = json
            ? await runner.RunAsync("trigger", "extraction.completed", "--json")
            : await runner.RunAsync("trigger", "extraction.completed");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("refused", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, run.All, StringComparison.Ordinal);
        if (json)
        {
            var error = run.Json().GetProperty("error");
            Assert.Equal("api", error.GetProperty("kind").GetString());
            Assert.Equal(400, error.GetProperty("status").GetInt32());
        }
    }
}

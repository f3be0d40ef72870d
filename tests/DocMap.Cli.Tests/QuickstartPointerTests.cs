using System.CommandLine;
using DocMap.Cli.Infrastructure;
using DocMap.Samples.Quickstart;

namespace DocMap.Cli.Tests;

/// <summary>The quickstart ends by pointing at the tool; every docmap command line it shows must be one the tool accepts.</summary>
public sealed class QuickstartPointerTests
{
    [Fact]
    public async Task The_quickstart_ends_with_tool_commands_that_all_parse()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var result = await QuickstartFlow.RunOnEmulatorAsync(output, timeout.Token);

        Assert.Equal(QuickstartFlow.Success, result.ExitCode);
        var lines = output.ToString().TrimEnd('\n', '\r').Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var pointer = lines.FindIndex(l => l.StartsWith("The same from a terminal, with the docmap tool", StringComparison.Ordinal));
        Assert.True(pointer > 0, "the pointer at the tool is missing");
        var shown = lines.Skip(pointer + 1).ToList();
        Assert.Equal(QuickstartFlow.ToolCommands.Count, shown.Count); // these are the last lines
        Assert.Contains("dotnet tool install -g DocMap.Cli", shown[0], StringComparison.Ordinal);
        Assert.Contains(shown, l => l.Contains("docmap deliveries", StringComparison.Ordinal));

        var root = CliApp.BuildCommandTree(new SharedOptions(), new CliHost(TextWriter.Null, TextWriter.Null, () => Stream.Null, _ => null));
        foreach (var (command, _) in QuickstartFlow.ToolCommands.Where(c => c.Command.StartsWith("docmap ", StringComparison.Ordinal)))
        {
            Assert.Contains(shown, l => l.Contains(command, StringComparison.Ordinal));
            var args = command["docmap ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Trim('"')).ToArray();
            var parse = root.Parse(args);
            Assert.True(parse.Errors.Count == 0, $"'{command}' does not parse: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public async Task Against_an_account_the_quickstart_also_ends_with_the_pointer()
    {
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync([], emulator.ApiKey, emulator.Url, output, CancellationToken.None);

        Assert.Equal(QuickstartFlow.Success, exit);
        Assert.EndsWith($"# {QuickstartFlow.ToolCommands[^1].What}", output.ToString().TrimEnd(), StringComparison.Ordinal);
    }
}

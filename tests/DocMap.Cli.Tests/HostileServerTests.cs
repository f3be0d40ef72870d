using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

[CollectionDefinition(nameof(MeasuresMemory), DisableParallelization = true)]
public sealed class MeasuresMemory;

/// <summary>
/// A server that answers <c>trigger</c> with an endless body must not make the tool buffer it: the answer is read up
/// to 8 MiB and refused. Measured as the bytes this process allocates during the run (the collection runs alone, so
/// other tests do not add to it); a client that buffered the answer would allocate hundreds of MiB.
/// </summary>
[Collection(nameof(MeasuresMemory))]
public sealed class HostileServerTests
{
    private const long Budget = 96L * 1024 * 1024;

    [Theory]
    [InlineData(false)] // GET /_emulator answers endlessly
    [InlineData(true)] // GET /_emulator is fine, POST /_emulator/trigger answers endlessly
    public async Task An_endless_answer_is_cut_off_at_8_MiB_without_buffering_it(bool onTrigger)
    {
        await using var fake = await FakeControlApi.StartAsync();
        if (onTrigger)
        {
            fake.EndlessTrigger = true;
        }
        else
        {
            fake.Mode = FakeControlApi.Behaviour.Endless;
        }

        var runner = new CliRunner().With("DOCMAP_API_KEY", FakeControlApi.Key).With("DOCMAP_BASE_URL", fake.Url.AbsoluteUri);
        await runner.RunAsync("--version"); // warm up the code paths outside the measurement
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var run = await runner.RunAsync("trigger", "extraction.completed");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("larger than 8 MiB", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(onTrigger ? 1 : 0, fake.Triggers.Count);
        Assert.True(allocated < Budget, $"the run allocated {allocated / (1024 * 1024)} MiB (budget {Budget / (1024 * 1024)} MiB)");
    }
}

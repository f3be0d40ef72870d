using System.Diagnostics;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>The accept path's shared deadline tokens: they fire on time, after idle periods too, and at disposal.</summary>
public sealed class InboxDeadlinesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<TimeSpan> FiredAfterAsync(CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (token.Register(() => fired.TrySetResult()))
        {
            await fired.Task.WaitAsync(Patience);
        }

        return clock.Elapsed;
    }

    [Fact]
    public async Task A_deadline_fires_after_its_timeout_and_not_long_after()
    {
        using var deadlines = new InboxDeadlines();

        var after = await FiredAfterAsync(deadlines.After(TimeSpan.FromMilliseconds(300)));

        Assert.InRange(after, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Deadlines_asked_for_after_the_timer_went_idle_still_fire()
    {
        using var deadlines = new InboxDeadlines();
        for (var round = 0; round < 5; round++)
        {
            await FiredAfterAsync(deadlines.After(TimeSpan.FromMilliseconds(20)));
            await Task.Delay(3 * (int)InboxDeadlines.ResolutionMs); // the timer stops once no deadline is pending
        }
    }

    [Fact]
    public async Task Under_concurrent_requests_around_the_timers_stop_every_deadline_fires()
    {
        using var deadlines = new InboxDeadlines();
        var tokens = new System.Collections.Concurrent.ConcurrentBag<CancellationToken>();
        var until = Stopwatch.StartNew();

        // Near-zero deadlines from several threads with short gaps: slots empty out and the timer stops and restarts
        // again and again while new deadlines arrive.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            while (until.Elapsed < TimeSpan.FromSeconds(2))
            {
                tokens.Add(deadlines.After(TimeSpan.FromMilliseconds(worker)));
                await Task.Delay(worker * 7 % 60);
            }
        })));

        var clock = Stopwatch.StartNew();
        while (tokens.Any(t => !t.IsCancellationRequested) && clock.Elapsed < Patience)
        {
            await Task.Delay(20);
        }

        Assert.True(tokens.Count > 100, $"only {tokens.Count} deadlines were asked for");
        Assert.All(tokens, t => Assert.True(t.IsCancellationRequested, "a deadline never fired"));
    }

    [Fact]
    public void Disposal_fires_every_pending_deadline()
    {
        var deadlines = new InboxDeadlines();
        var token = deadlines.After(TimeSpan.FromMinutes(10));

        deadlines.Dispose();

        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void A_deadline_asked_for_after_disposal_has_passed_already()
    {
        var deadlines = new InboxDeadlines();
        deadlines.Dispose();

        var token = deadlines.After(TimeSpan.FromMinutes(10));

        Assert.True(token.IsCancellationRequested, "no timer ticks after disposal: a token that waits for one would never fire");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using DocMap.Client.Tests.Shared;
using Xunit.Abstractions;

namespace DocMap.Client.Redis.Tests;

/// <summary>The process tests run alone: each drives child processes and a burst of deliveries on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Inbox processes";
}

/// <summary>
/// The receiver sample as users run it, as child processes with the Redis store on an embedded Garnet server: killed
/// mid-burst and restarted, two instances sharing one store, and Redis going away and coming back. What a handler ran
/// is read from the sample's own log lines ("DocMap event … for extraction …", written when the handler starts) and
/// what completed from the store.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed partial class InboxProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int Workers = 8;
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(120);

    private readonly GarnetHost _garnet = GarnetHost.Start();
    private readonly string _secretText = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _garnet.Dispose();

    [Fact]
    public async Task Killed_mid_burst_and_restarted_every_delivery_answered_200_is_handled_and_at_most_one_run_per_worker_repeats()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"ext_crash{i:D4}").ToArray();
        var first = await SampleProcess.StartAsync(Environment("00:00:00.020"));
        var results = new ConcurrentDictionary<string, HttpStatusCode?>();
        string firstOutput;
        try
        {
            using var client = Client(first.BaseAddress);
            using var stop = new CancellationTokenSource();
            var burst = SendAsync(ids.Select(id => (client, id)), results, stop.Token);
            await Eventually(() => results.Values.Count(s => s == HttpStatusCode.OK) >= 600, "600 deliveries accepted");

            await first.KillAsync(); // SIGKILL: no shutdown, no lease handed back, no log flushed
            await burst.WaitAsync(TimeSpan.FromSeconds(60));
            firstOutput = first.Output;
        }
        finally
        {
            await first.DisposeAsync();
        }

        var accepted = results.Where(r => r.Value == HttpStatusCode.OK).Select(r => r.Key).ToArray();
        Assert.InRange(accepted.Length, 600, ids.Length - 1); // the kill came mid-burst
        Assert.True(Handled(firstOutput).Count < accepted.Length, "the kill came while a queue was waiting");

        await using var restarted = await SampleProcess.StartAsync(Environment("00:00:00.020"));
        await using var store = Store();
        await Eventually(async () => await CountCompletedAsync(store, accepted) == accepted.Length, "every accepted delivery is handled after the restart", Drain);
        await restarted.StopAsync();

        var runs = Handled(firstOutput, restarted.Output);
        var repeated = runs.Where(r => r.Value > 1).ToList();
        output.WriteLine($"accepted {accepted.Length} of {ids.Length} before the kill; the killed process logged {Handled(firstOutput).Count} handler starts; the restart {Handled(restarted.Output).Count}; repeated: {string.Join(", ", repeated.Select(r => $"{r.Key} x{r.Value}"))}");
        Assert.True(repeated.Sum(r => r.Value - 1) <= Workers, $"{repeated.Count} ids ran more than once: {string.Join(", ", repeated.Select(r => $"{r.Key} x{r.Value}"))}");
        var stats = await store.GetStatsAsync(default);
        Assert.Equal(0, stats.Queued + stats.Running + stats.DeadLettered);
    }

    [Fact]
    public async Task Two_instances_on_one_store_share_the_work_and_each_delivery_sent_twice_is_handled_exactly_once()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"ext_share{i:D4}").ToArray();
        var started = await Task.WhenAll(SampleProcess.StartAsync(Environment("00:00:00.002")), SampleProcess.StartAsync(Environment("00:00:00.002")));
        await using var a = started[0];
        await using var b = started[1];
        using var clientA = Client(a.BaseAddress);
        using var clientB = Client(b.BaseAddress);
        var results = new ConcurrentDictionary<string, HttpStatusCode?>();
        var bodies = new ConcurrentBag<string>();

        // Every delivery twice, once to each instance, in an interleaved order (a re-send, or two webhooks on one app).
        var sends = ids.SelectMany((id, i) => i % 2 == 0 ? new[] { (clientA, id), (clientB, id) } : [(clientB, id), (clientA, id)]);
        await SendAsync(sends, results, CancellationToken.None, bodies).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(ids.Length * 2, bodies.Count);
        Assert.Equal(ids.Length, bodies.Count(t => t == """{"status":"accepted"}"""));
        Assert.Equal(ids.Length, bodies.Count(t => t == """{"status":"duplicate"}"""));
        await using var store = Store();
        await Eventually(async () => await CountCompletedAsync(store, ids) == ids.Length, "every delivery is handled", Drain);
        await Task.WhenAll(a.StopAsync(), b.StopAsync());

        var inA = Handled(a.Output);
        var inB = Handled(b.Output);
        var runs = Handled(a.Output, b.Output);
        Assert.Equal(ids.Length, runs.Count);
        Assert.All(ids, id => Assert.Equal(1, runs.GetValueOrDefault(id)));
        Assert.True(inA.Count > 0 && inB.Count > 0, $"both instances work: {inA.Count} and {inB.Count}");
        output.WriteLine($"handled by A {inA.Count}, by B {inB.Count}");
    }

    [Fact]
    public async Task With_Redis_stopped_deliveries_are_answered_503_and_once_it_is_back_200_again_and_the_queue_drains()
    {
        var environment = Environment("00:00:00.010");
        environment["DocMap__Webhooks__Inbox__AcceptTimeout"] = "00:00:03";
        await using var sample = await SampleProcess.StartAsync(environment);
        using var client = Client(sample.BaseAddress);
        await using var store = Store();
        var before = Enumerable.Range(0, 20).Select(i => $"ext_before{i:D2}").ToArray();
        var results = new ConcurrentDictionary<string, HttpStatusCode?>();
        await SendAsync(before.Select(id => (client, id)), results, CancellationToken.None);
        Assert.All(before, id => Assert.Equal(HttpStatusCode.OK, results[id]));
        await Eventually(async () => await CountCompletedAsync(store, before) == before.Length, "handled before the outage", Drain);

        _garnet.Stop();
        var clock = Stopwatch.StartNew();
        using (var during = await client.SendAsync(Signed("ext_during")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Contains("INBOX_UNAVAILABLE", await during.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9), $"answered after {clock.Elapsed}, past DocMap's 10 s");

        _garnet.Start(); // same port, empty (no persistence)
        var attempt = 0;
        await Eventually(
            async () =>
            {
                using var response = await client.SendAsync(Signed($"ext_probe{attempt++}"));
                return response.StatusCode == HttpStatusCode.OK;
            },
            "accepted again once Redis is back",
            TimeSpan.FromSeconds(60));

        var after = Enumerable.Range(0, 50).Select(i => $"ext_after{i:D2}").ToArray();
        await SendAsync(after.Select(id => (client, id)), results, CancellationToken.None);
        Assert.All(after, id => Assert.Equal(HttpStatusCode.OK, results[id]));
        await Eventually(async () => await CountCompletedAsync(store, after) == after.Length, "the queue drains", Drain);
        await sample.StopAsync();
        Assert.Contains("[4013]", sample.Output, StringComparison.Ordinal); // the 503, logged
        Assert.Contains("[4018]", sample.Output, StringComparison.Ordinal); // the worker loop saw the store recover
        Assert.True(Handled(sample.Output).Keys.ToHashSet().IsSupersetOf(after));
    }

    private Dictionary<string, string> Environment(string handlerDelay) => new()
    {
        ["DocMap__Webhooks__Secrets__0"] = _secretText,
        ["DocMap__Webhooks__Inbox__Store"] = "Redis",
        ["DocMap__Webhooks__Inbox__Redis"] = _garnet.Endpoint,
        ["DocMap__Webhooks__Inbox__MaxConcurrency"] = Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DocMap__Webhooks__Inbox__LeaseDuration"] = "00:00:02",
        ["DocMap__Webhooks__Inbox__PollInterval"] = "00:00:00.100",
        ["Sample__HandlerDelay"] = handlerDelay,
    };

    private RedisInboxStore Store() =>
        TestStores.OwnConnection(_garnet.Endpoint, TimeProvider.System, TimeSpan.FromDays(7), DocMapRedisInboxOptions.DefaultKeyPrefix);

    private static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };

    private HttpRequestMessage Signed(string extractionId)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"event":"extraction.completed","extractionId":"{{{extractionId}}}","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"{{{extractionId}}}","status":"completed"}}""");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/docmap") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(WebhookSecret.Parse(_secretText), body));
        return request;
    }

    /// <summary>Sends each delivery once (16 at a time), recording its status (null when no answer came).</summary>
    private async Task SendAsync(IEnumerable<(HttpClient Client, string Id)> sends, ConcurrentDictionary<string, HttpStatusCode?> results, CancellationToken cancellationToken, ConcurrentBag<string>? bodies = null)
    {
        await Parallel.ForEachAsync(sends, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (send, ct) =>
        {
            try
            {
                using var request = Signed(send.Id);
                using var response = await send.Client.SendAsync(request, ct);
                bodies?.Add(await response.Content.ReadAsStringAsync(ct));
                results.AddOrUpdate(send.Id, response.StatusCode, (_, previous) => previous == HttpStatusCode.OK ? previous : response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                results.TryAdd(send.Id, null);
            }
        });
    }

    private static async Task<int> CountCompletedAsync(RedisInboxStore store, IReadOnlyCollection<string> extractionIds)
    {
        var completed = 0;
        foreach (var chunk in extractionIds.Chunk(200))
        {
            var records = await Task.WhenAll(chunk.Select(id => store.GetAsync(InboxMessageIds.ForEvent("extraction.completed", id)!, default)));
            completed += records.Count(r => r?.State == InboxMessageState.Completed);
        }

        return completed;
    }

    /// <summary>How many times each extraction id's handler started, from the sample's log lines.</summary>
    private static Dictionary<string, int> Handled(params string[] outputs) =>
        outputs.SelectMany(o => HandledLine().Matches(o)).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [GeneratedRegex(@"DocMap event extraction\.completed for extraction (ext_\w+) \(status")]
    private static partial Regex HandledLine();

    private static Task Eventually(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        Eventually(() => Task.FromResult(condition()), because, timeout);

    private static async Task Eventually(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or HttpRequestException or TaskCanceledException)
            {
                // The server or the sample is not answering yet.
            }

            Assert.True(clock.Elapsed < limit, $"Not within {limit}: {because}");
            await Task.Delay(50);
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Garnet;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// A bounded loopback load run for the inbox's Redis store (docs/benchmarks.md). Against one server (embedded Garnet,
/// in this process, or a redis-server at host:port) it measures, at 1 and 16 concurrent callers on one multiplexer with
/// 1 KiB bodies, in 5 rounds that run every phase back to back: the floor (a plain SET; a pipelined SET NX + ZADD, the least a claim + enqueue can cost), the store's
/// TryAcceptAsync, and the in-memory store's; then the lease + complete drain rate; on redis-server also the memory
/// per completed record (INFO memory and MEMORY USAGE). Bounded: a fixed number of operations per phase, each with a
/// timeout.
/// </summary>
public static class RedisStoreLoadRun
{
    private const int BodyBytes = 1024;

    /// <summary>Runs the load test and prints the results.</summary>
    /// <param name="args">The target: <c>garnet</c> (embedded) or host:port of a redis-server; optionally operations per phase (default 20000).</param>
    /// <returns>0 when every operation succeeded.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var target = args.Length > 0 ? args[0] : "garnet";
        var operations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20000;
        GarnetServer? garnet = null;
        var endpoint = target;
        if (target == "garnet")
        {
            var port = 46000 + Random.Shared.Next(1000);
            garnet = new GarnetServer(["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode", "--memory", "2g", "--index", "64m", "--logger-level", "Error"]);
            garnet.Start();
            endpoint = $"127.0.0.1:{port}";
        }

        try
        {
            await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(endpoint + ",allowAdmin=true");
            var server = multiplexer.GetServer(multiplexer.GetEndPoints().Single());
            var db = multiplexer.GetDatabase();
            var body = Encoding.ASCII.GetBytes(new string('x', BodyBytes));
            var run = Guid.NewGuid().ToString("N")[..8];
            Console.WriteLine($"Redis store load run against {(garnet is null ? "redis-server " + endpoint : "embedded Garnet (in this process)")}, {operations} operations per phase, {BodyBytes}-byte bodies");
            var memory = new ServiceCollection().AddDocMapWebhookInbox().Services.BuildServiceProvider().GetRequiredService<IDocMapWebhookInboxStore>();

            foreach (var concurrency in new[] { 1, 16 })
            {
                var prefix = $"{{bench:{run}:{concurrency}}}:";
                var store = new RedisInboxStore(RedisConnection.Borrow(multiplexer), prefix, TimeProvider.System, TimeSpan.FromDays(7), TimeSpan.FromSeconds(5));
                var phases = new (string Name, Func<int, int, Task> Call)[]
                {
                    ("floor: SET", (r, i) => db.StringSetAsync($"{prefix}set:{r}:{i}", body)),
                    ("floor: SET NX + ZADD (pipelined)", (r, i) =>
                    {
                        var batch = db.CreateBatch();
                        var set = batch.StringSetAsync($"{prefix}nx:{r}:{i}", body, when: When.NotExists);
                        var add = batch.SortedSetAddAsync($"{prefix}z", $"nx:{r}:{i}", i);
                        batch.Execute();
                        return Task.WhenAll(set, add);
                    }),
                    ("store: TryAcceptAsync", async (r, i) =>
                    {
                        if (!await store.TryAcceptAsync(Message($"a:{r}:{i}", body), CancellationToken.None))
                        {
                            throw new InvalidOperationException("duplicate");
                        }
                    }),
                    ("in-memory store: TryAcceptAsync", async (r, i) =>
                    {
                        if (!await memory.TryAcceptAsync(Message($"m{concurrency}:{r}:{i}", body), CancellationToken.None))
                        {
                            throw new InvalidOperationException("duplicate");
                        }
                    }),
                };

                // Rounds run every phase back to back, so outside load hits them alike; figures are medians over rounds.
                var results = phases.Select(_ => new List<Result>()).ToArray();
                for (var round = 0; round < Rounds; round++)
                {
                    for (var p = 0; p < phases.Length; p++)
                    {
                        var call = phases[p].Call;
                        var r = round;
                        results[p].Add(await PhaseAsync(concurrency, operations, i => call(r, i)));
                    }
                }

                for (var p = 0; p < phases.Length; p++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phases[p].Name,-36} c={concurrency,-2} {Median(results[p].Select(x => x.PerSecond)),9:F0} ops/s  p50 {Median(results[p].Select(x => x.P50)),7:F3} ms  p99 {Median(results[p].Select(x => x.P99)),7:F3} ms"));
                }

                var ratios = results[2].Zip(results[1], (store, floor) => store.PerSecond / floor.PerSecond).ToList();
                var setRatios = results[2].Zip(results[0], (store, floor) => store.PerSecond / floor.PerSecond).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  c={concurrency}: store / (SET NX + ZADD) throughput, median of {Rounds} paired rounds {Median(ratios):F2} (min {ratios.Min():F2}, max {ratios.Max():F2}); store / SET {Median(setRatios):F2}"));
            }

            foreach (var workers in new[] { 1, 4 })
            {
                var prefix = $"{{drain:{run}:{workers}}}:";
                var store = new RedisInboxStore(RedisConnection.Borrow(multiplexer), prefix, TimeProvider.System, TimeSpan.FromDays(7), TimeSpan.FromSeconds(5));
                await DrainAsync($"store: lease(16) + complete, {workers} worker(s)", store, workers, operations, body);
                var fresh = new ServiceCollection().AddDocMapWebhookInbox().Services.BuildServiceProvider().GetRequiredService<IDocMapWebhookInboxStore>();
                await DrainAsync($"in-memory store: lease(16) + complete, {workers} worker(s)", fresh, workers, operations, body);
            }

            if (garnet is null)
            {
                await MemoryAsync(multiplexer, server, run, body);
            }

            return 0;
        }
        finally
        {
            garnet?.Dispose();
        }
    }

    private static InboxMessage Message(string id, byte[] body) => new()
    {
        Id = id,
        Endpoint = "/webhooks/docmap",
        EventType = "extraction.completed",
        ExtractionId = "ext_" + id,
        Body = body,
        AcceptedAt = DateTimeOffset.UtcNow,
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    private sealed record Result(double PerSecond, double P50, double P99);

    private const int Rounds = 5;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Warms up, then runs <paramref name="operations"/> calls from <paramref name="concurrency"/> closed-loop callers.</summary>
    private static async Task<Result> PhaseAsync(int concurrency, int operations, Func<int, Task> call)
    {
        var warmUp = Math.Min(1000, operations / 5);
        await LoopAsync(concurrency, warmUp, i => call(-1 - i), null);
        var latencies = new long[operations];
        var stopwatch = Stopwatch.StartNew();
        await LoopAsync(concurrency, operations, call, latencies);
        stopwatch.Stop();
        Array.Sort(latencies);
        return new Result(operations / stopwatch.Elapsed.TotalSeconds, Ms(latencies[operations / 2]), Ms(latencies[(int)(operations * 0.99)]));
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static async Task LoopAsync(int concurrency, int operations, Func<int, Task> call, long[]? latencies)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < operations)
            {
                var started = Stopwatch.GetTimestamp();
                await call(i).WaitAsync(TimeSpan.FromSeconds(10));
                if (latencies is not null)
                {
                    latencies[i] = Stopwatch.GetTimestamp() - started;
                }
            }
        })));
    }

    private static async Task DrainAsync(string name, IDocMapWebhookInboxStore store, int workers, int count, byte[] body)
    {
        await LoopAsync(16, count, async i => await store.TryAcceptAsync(Message($"d:{i}", body), CancellationToken.None), null);
        var drained = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (Volatile.Read(ref drained) < count && DateTime.UtcNow < deadline)
            {
                var leases = await store.LeaseAsync($"w{w}", 16, TimeSpan.FromMinutes(5), CancellationToken.None);
                await Task.WhenAll(leases.Select(l => store.CompleteAsync(l, CancellationToken.None)));
                Interlocked.Add(ref drained, leases.Count);
            }
        })));
        stopwatch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-52} {drained / stopwatch.Elapsed.TotalSeconds,9:F0} records/s ({drained} records)"));
    }

    /// <summary>Memory per completed record on redis-server: INFO used_memory before and after, and MEMORY USAGE of one record.</summary>
    private static async Task MemoryAsync(IConnectionMultiplexer multiplexer, IServer server, string run, byte[] body)
    {
        const int Records = 10000;
        var prefix = $"{{mem:{run}}}:";
        var store = new RedisInboxStore(RedisConnection.Borrow(multiplexer), prefix, TimeProvider.System, TimeSpan.FromDays(7), TimeSpan.FromSeconds(5));
        var db = multiplexer.GetDatabase();
        var before = await UsedMemoryAsync(server);
        await LoopAsync(16, Records, async i => await store.TryAcceptAsync(Message($"ext_{i:D8}:extraction.completed", body), CancellationToken.None), null);
        var queued = await UsedMemoryAsync(server);
        var done = 0;
        while (done < Records)
        {
            var leases = await store.LeaseAsync("w", 64, TimeSpan.FromMinutes(5), CancellationToken.None);
            await Task.WhenAll(leases.Select(l => store.CompleteAsync(l, CancellationToken.None)));
            done += leases.Count;
        }

        var completed = await UsedMemoryAsync(server);
        var record = (long)await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}m:ext_00000042:extraction.completed");
        var index = (long)await db.ExecuteAsync("MEMORY", "USAGE", $"{prefix}c");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory: {Records} queued records (1 KiB bodies) {(queued - before) / (double)Records:F0} B each; completed {(completed - before) / (double)Records:F0} B each (INFO used_memory)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory: MEMORY USAGE of one completed record hash {record} B, of the completed index {index} B ({index / (double)Records:F0} B per entry); 36-character ids"));
        await db.ExecuteAsync("UNLINK", [.. Enumerable.Range(0, Records).Select(i => (object)$"{prefix}m:ext_{i:D8}:extraction.completed"), $"{prefix}c", $"{prefix}n"]);
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var info = await server.InfoAsync("memory");
        var value = info.SelectMany(g => g).First(p => p.Key == "used_memory").Value;
        return long.Parse(value, CultureInfo.InvariantCulture);
    }
}

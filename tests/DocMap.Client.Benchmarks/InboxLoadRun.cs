using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using DocMap.Client.Redis;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Garnet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// A bounded loopback load run for the delivery inbox's accept path (docs/benchmarks.md). Three Kestrel hosts on
/// 127.0.0.1 in this process: "plain", the verified <c>MapDocMapWebhooks</c> endpoint without the inbox (the handler,
/// a no-op, runs inside the request); "inbox", the same endpoint with the inbox on the chosen store and its workers
/// stopped, so a round measures accepting alone (verify, dedupe key, <c>TryAcceptAsync</c>, 200); and "inbox + workers",
/// the same with its workers running the no-op handler in the background on the same 2 cores. 16 keep-alive
/// connections by default (closed-loop senders, one connection each), 1 KiB deliveries with a fresh extraction id each (so none is a duplicate);
/// the same deliveries go to every host in a round. Rounds run the hosts back to back in a rotating order; the
/// headline is the median of the per-round inbox / plain ratios, and p50 / p99 of the accept latency seen by the
/// sender. After each round, the drain rate: the deliveries the stopped inbox accepted are processed by a fresh
/// instance (workers on, no-op handler) on the same store, timed until the store reports nothing queued or running
/// (which also keeps the queue from growing across rounds). On Redis or Garnet a fourth host, "plain + SET", is the
/// floor of any Redis-backed accept path: the plain endpoint whose handler awaits one <c>SET</c> of the body (with a
/// 10-minute expiry) on its own connection to the same server, so the ratio inbox / (plain + SET) separates the cost of
/// the store's script from the cost of one loopback round trip to a server that shares this machine's cores.
/// Bounded: fixed rounds x requests, a 30 s timeout per request, a 5-minute bound on each drain.
/// </summary>
public static class InboxLoadRun
{
    private static int s_connections = 16;
    private const string Path = "/webhooks/docmap";

    /// <summary>Runs the load test and prints the results.</summary>
    /// <param name="args">The store: <c>memory</c>, <c>garnet</c> (embedded) or host:port of a redis-server; then optionally rounds (default 10), requests per round (default 8000) and connections (default 16).</param>
    /// <returns>0 when every request answered 200.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var target = args.Length > 0 ? args[0] : "memory";
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var perRound = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8000;
        s_connections = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
        GarnetServer? garnet = null;
        string? redis = null;
        if (target == "garnet")
        {
            var port = 47000 + Random.Shared.Next(1000);
            garnet = new GarnetServer(["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode", "--memory", "4g", "--index", "128m", "--logger-level", "Error"]);
            garnet.Start();
            redis = $"127.0.0.1:{port}";
        }
        else if (target != "memory")
        {
            redis = target;
        }

        var prefix = $"{{bench:{Guid.NewGuid():N}}}:";
        var memoryStore = redis is null ? new InMemoryInboxStore(TimeProvider.System, TimeSpan.FromDays(7)) : null;
        var sideStore = redis is null ? new InMemoryInboxStore(TimeProvider.System, TimeSpan.FromDays(7)) : null;
        try
        {
            await using var plain = await StartAsync(inbox: false, redis, prefix, memoryStore, stopWorkers: false);
            await using var inbox = await StartAsync(inbox: true, redis, prefix, memoryStore, stopWorkers: true);
            await using var working = await StartAsync(inbox: true, redis, "{w" + prefix[1..], sideStore, stopWorkers: false);
            await using var floor = redis is null ? null : await StartFloorAsync(redis, prefix);
            var hosts = floor is null ? new[] { plain, inbox, working } : new[] { plain, inbox, working, floor };
            Console.WriteLine($"Inbox accept-path load run on {(redis is null ? "the in-memory store" : garnet is not null ? "embedded Garnet (in this process)" : "redis-server " + redis)}: {rounds} rounds x {perRound} requests per host, {s_connections} connections, 1 KiB bodies");

            // Warm-up: JIT, connections, pools, scripts.
            foreach (var host in hosts)
            {
                await RoundAsync(host, Deliveries($"warm-{host.Name}", 2000), null);
            }

            var results = hosts.Select(_ => new List<Round>()).ToArray();
            var drains = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var deliveries = Deliveries($"r{round}", perRound);
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"round {round + 1,2}:"));
                var measured = new Round[hosts.Length];
                for (var k = 0; k < hosts.Length; k++)
                {
                    var h = (round + k) % hosts.Length; // rotate the order
                    var latencies = new long[perRound];
                    measured[h] = await RoundAsync(hosts[h], deliveries, latencies);
                    if (hosts[h] == working)
                    {
                        // Its workers go on with the backlog after the round: let them finish before the next host runs.
                        await DrainedAsync(working, TimeSpan.FromMinutes(5));
                    }
                }

                // The stopped inbox's deliveries, processed by a fresh instance on the same store (timed: the drain rate).
                var queued = (await inbox.Store.GetStatsAsync(default)).Queued;
                await using (var drainer = await StartAsync(inbox: true, redis, prefix, memoryStore, stopWorkers: false))
                {
                    var drained = await DrainedAsync(drainer, TimeSpan.FromMinutes(5));
                    if (drainer.Handled != queued)
                    {
                        throw new InvalidOperationException($"The drain handled {drainer.Handled} of {queued} messages.");
                    }

                    drains.Add(queued / drained.TotalSeconds);
                }

                for (var h = 0; h < hosts.Length; h++)
                {
                    results[h].Add(measured[h]);
                    line.Append(string.Create(CultureInfo.InvariantCulture, $"  {hosts[h].Name} {measured[h].PerSecond,7:F0} req/s"));
                }

                line.Append(string.Create(CultureInfo.InvariantCulture, $"  ratio {measured[1].PerSecond / measured[0].PerSecond:F3} / {measured[2].PerSecond / measured[0].PerSecond:F3}"));
                if (floor is not null)
                {
                    line.Append(string.Create(CultureInfo.InvariantCulture, $" / floor {measured[3].PerSecond / measured[0].PerSecond:F3}"));
                }

                line.Append(string.Create(CultureInfo.InvariantCulture, $"  drain {drains[^1],7:F0} msg/s"));
                Console.WriteLine(line);
            }

            for (var h = 0; h < hosts.Length; h++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{hosts[h].Name,-16} median {Median(results[h].Select(r => r.PerSecond)),8:F0} req/s  p50 {Median(results[h].Select(r => r.P50)),7:F3} ms  p99 {Median(results[h].Select(r => r.P99)),7:F3} ms  CPU of this process {Median(results[h].Select(r => r.CpuMicroseconds)),6:F1} us/request, GC pauses {Median(results[h].Select(r => r.GcPauseMicroseconds)),5:F1} us/request, {Median(results[h].Select(r => (double)r.Gen2Collections)),3:F0} gen2 GCs a round (medians over rounds)"));
            }

            var acceptRatios = results[1].Zip(results[0], (i, p) => i.PerSecond / p.PerSecond).ToList();
            var workingRatios = results[2].Zip(results[0], (i, p) => i.PerSecond / p.PerSecond).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inbox / plain, median of {rounds} paired rounds: {Median(acceptRatios):F3} (min {acceptRatios.Min():F3}, max {acceptRatios.Max():F3}; goal >= {(redis is null ? "0.85" : "0.5")})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inbox + workers / plain, median of {rounds} paired rounds: {Median(workingRatios):F3} (min {workingRatios.Min():F3}, max {workingRatios.Max():F3})"));
            if (floor is not null)
            {
                var floorRatios = results[3].Zip(results[0], (f, p) => f.PerSecond / p.PerSecond).ToList();
                var overFloor = results[1].Zip(results[3], (i, f) => i.PerSecond / f.PerSecond).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plain + SET / plain (the floor of a Redis-backed accept), median of {rounds} paired rounds: {Median(floorRatios):F3} (min {floorRatios.Min():F3}, max {floorRatios.Max():F3})"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inbox / (plain + SET), median of {rounds} paired rounds: {Median(overFloor):F3} (min {overFloor.Min():F3}, max {overFloor.Max():F3})"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"drain (no-op handler, MaxConcurrency {new DocMapWebhookInboxOptions().MaxConcurrency}, {perRound} messages a round): median {Median(drains):F0} messages/s (min {drains.Min():F0}, max {drains.Max():F0})"));
            return 0;
        }
        finally
        {
            garnet?.Dispose();
        }
    }

    /// <summary>Waits until the host's store reports nothing queued or running; returns how long that took.</summary>
    private static async Task<TimeSpan> DrainedAsync(Host host, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stats = await host.Store.GetStatsAsync(default);
            if (stats.Queued + stats.Running == 0)
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{host.Name} did not drain within {limit}: {stats}.");
            }

            await Task.Delay(5);
        }
    }

    private sealed record Round(double PerSecond, double P50, double P99, double CpuMicroseconds, double GcPauseMicroseconds, int Gen2Collections);

    private sealed class Host(string name, WebApplication app, HttpClient[] clients, IDisposable? resource = null) : IAsyncDisposable
    {
        private long _handled;

        public string Name { get; } = name;

        public HttpClient[] Clients { get; } = clients;

        public IDocMapWebhookInboxStore Store => App.Services.GetRequiredService<IDocMapWebhookInboxStore>();

        public long Handled => Interlocked.Read(ref _handled);

        public WebApplication App { get; } = app;

        public void AddHandled() => Interlocked.Increment(ref _handled);

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients)
            {
                client.Dispose();
            }

            await App.StopAsync();
            await App.DisposeAsync();
            resource?.Dispose();
        }
    }

    private static async Task<Host> StartAsync(bool inbox, string? redis, string prefix, IDocMapWebhookInboxStore? memoryStore, bool stopWorkers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = AspNetCoreWebhookApp.SecretText });
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (inbox)
        {
            var inboxBuilder = builder.Services.AddDocMapWebhookInbox();
            if (redis is not null)
            {
                inboxBuilder.UseRedis(o =>
                {
                    o.Configuration = redis;
                    o.KeyPrefix = prefix;
                    o.OperationTimeout = TimeSpan.FromSeconds(5);
                });
            }
            else
            {
                inboxBuilder.UseStore(_ => memoryStore!);
            }
        }

        var app = builder.Build();
        var name = !inbox ? "plain" : stopWorkers ? "inbox" : "inbox + workers";
        Host? host = null;
        app.MapDocMapWebhooks(Path, (WebhookEvent webhook) =>
        {
            if (webhook.ExtractionId is not null)
            {
                host!.AddHandled();
            }
        });
        await app.StartAsync();
        if (inbox && stopWorkers)
        {
            await app.Services.GetRequiredService<InboxWorker>().StopAsync(CancellationToken.None);
        }

        var address = new Uri(app.Urls.Single());
        var clients = Enumerable.Range(0, s_connections)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) })
            .ToArray();
        host = new Host(name, app, clients);
        return host;
    }

    /// <summary>The plain verified endpoint whose handler awaits one SET of the verified body (10-minute expiry) on its own connection.</summary>
    private static async Task<Host> StartFloorAsync(string redis, string prefix)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = multiplexer.GetDatabase();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = AspNetCoreWebhookApp.SecretText });
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var expiry = TimeSpan.FromMinutes(10);
        app.MapDocMapWebhooks(Path, async (HttpContext context) =>
        {
            var feature = context.Features.Get<DocMapWebhookFeature>()!;
            await db.StringSetAsync(prefix + "floor:" + feature.Event.ExtractionId, feature.Body.ToArray(), expiry);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        var clients = Enumerable.Range(0, s_connections)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) })
            .ToArray();
        return new Host("plain + SET", app, clients, multiplexer);
    }

    /// <summary>Deliveries with fresh extraction ids (about 1 KiB each), signed.</summary>
    private static (byte[] Body, string Signature)[] Deliveries(string run, int count)
    {
        var deliveries = new (byte[], string)[count];
        var padding = new string('x', 760);
        for (var i = 0; i < count; i++)
        {
            var id = $"ext_{run}_{i:D6}";
            var body = Encoding.UTF8.GetBytes(
                "{\"event\":\"extraction.completed\",\"extractionId\":\"" + id + "\",\"createdAt\":\"2025-01-20T14:30:04.000Z\",\"data\":{\"id\":\"" + id +
                "\",\"userId\":\"user_42\",\"templateId\":\"tpl_7\",\"fileName\":\"invoice.pdf\",\"status\":\"completed\",\"extractedData\":{\"notes\":\"" + padding + "\"}}}");
            deliveries[i] = (body, WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, body));
        }

        return deliveries;
    }

    private static async Task<Round> RoundAsync(Host host, (byte[] Body, string Signature)[] deliveries, long[]? latencies)
    {
        var next = -1;
        var cpu = Environment.CpuUsage.TotalTime;
        var gcPause = GC.GetTotalPauseDuration();
        var gen2 = GC.CollectionCount(2);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(host.Clients.Select(async client =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < deliveries.Length)
            {
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new ByteArrayContent(deliveries[i].Body) };
                request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, deliveries[i].Signature);
                using var response = await client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{host.Name} answered {(int)response.StatusCode}.");
                }

                if (latencies is not null)
                {
                    latencies[i] = Stopwatch.GetTimestamp() - started;
                }
            }
        }));
        stopwatch.Stop();
        var cpuPerRequest = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / deliveries.Length;
        var gcPausePerRequest = (GC.GetTotalPauseDuration() - gcPause).TotalMicroseconds / deliveries.Length;
        gen2 = GC.CollectionCount(2) - gen2;
        if (latencies is null)
        {
            return new Round(deliveries.Length / stopwatch.Elapsed.TotalSeconds, 0, 0, cpuPerRequest, gcPausePerRequest, gen2);
        }

        Array.Sort(latencies);
        return new Round(deliveries.Length / stopwatch.Elapsed.TotalSeconds, Ms(latencies[latencies.Length / 2]), Ms(latencies[(int)(latencies.Length * 0.99)]), cpuPerRequest, gcPausePerRequest, gen2);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

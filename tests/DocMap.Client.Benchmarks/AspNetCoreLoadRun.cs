using System.Diagnostics;
using System.Globalization;
using System.Net;
using DocMap.Client.Signatures;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// A bounded loopback load run for the ASP.NET Core endpoint: a real Kestrel host on 127.0.0.1 port 0, 16 keep-alive
/// connections (16 closed-loop workers, one HttpClient and one connection each), 1 KiB deliveries. Rounds alternate
/// between the unverified and the verified endpoint (the order flips every round, so load from other processes hits
/// both alike); the result is the median of the per-round verified/unverified ratios (and each endpoint's median requests/second). Bounded: a fixed number of rounds
/// of a fixed number of requests, every request with a timeout.
/// Entry point: <see cref="RunAsync"/> (see docs/benchmarks.md for how to start it).
/// </summary>
public static class AspNetCoreLoadRun
{
    /// <summary>Runs the load test and prints the results.</summary>
    /// <param name="args">
    /// Optional: rounds (default 10), requests per round (default 8000), body bytes (default 1024), and <c>otel</c> to
    /// run with the OpenTelemetry SDK listening to every source and meter of the receiving side (AlwaysOn sampling,
    /// finished spans dropped, metrics read every second by a no-op exporter): ASP.NET Core's spans and metrics (hosting,
    /// routing, Kestrel) for both endpoints, and the receiver's for the verified one. The load generator's own HttpClient
    /// spans and metrics (<c>System.Net.*</c>) are left out: in production the sender is DocMap, not the receiving process.
    /// </param>
    /// <returns>0 when every request answered 200.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var perRound = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8000;
        var bodyBytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1024;
        const int connections = 16;
        var otel = args.Length > 3 && args[3] == "otel";
        using var tracing = otel
            ? OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource("Microsoft.AspNetCore*", "DocMap.*").SetSampler(new OpenTelemetry.Trace.AlwaysOnSampler()).AddProcessor(new DroppingProcessor()).Build()
            : null;
        using var metrics = otel
            ? OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter("Microsoft.AspNetCore.*", "DocMap.*", "System.Runtime").AddReader(new OpenTelemetry.Metrics.PeriodicExportingMetricReader(new NoExporter(), 1000)).Build()
            : null;

        await using var app = AspNetCoreWebhookApp.Build(kestrel: true);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        var clients = Enumerable.Range(0, connections)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) })
            .ToArray();
        var body = AspNetCoreWebhookApp.Body(bodyBytes);
        var signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, body);
        try
        {
            // Warm-up: JIT, connections, pools.
            await RoundAsync(clients, AspNetCoreWebhookApp.UnverifiedPath, body, signature, 2000);
            await RoundAsync(clients, AspNetCoreWebhookApp.VerifiedPath, body, signature, 2000);

            var unverified = new List<double>();
            var verified = new List<double>();
            Console.WriteLine($"Loopback load run: {rounds} rounds x {perRound} requests per endpoint, {connections} connections, {body.Length}-byte body{(otel ? ", OpenTelemetry SDK listening to everything" : string.Empty)}");
            for (var round = 0; round < rounds; round++)
            {
                var verifiedFirst = round % 2 == 1;
                var first = await RoundAsync(clients, verifiedFirst ? AspNetCoreWebhookApp.VerifiedPath : AspNetCoreWebhookApp.UnverifiedPath, body, signature, perRound);
                var second = await RoundAsync(clients, verifiedFirst ? AspNetCoreWebhookApp.UnverifiedPath : AspNetCoreWebhookApp.VerifiedPath, body, signature, perRound);
                var (u, v) = verifiedFirst ? (second, first) : (first, second);
                unverified.Add(u);
                verified.Add(v);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1,2}: unverified {u,8:F0} req/s  verified {v,8:F0} req/s  ratio {v / u:F3}"));
            }

            // The headline is the median of the per-round (paired) ratios: each pair ran back to back under the same
            // outside load, so it is the figure least disturbed by a busy machine.
            var ratios = verified.Zip(unverified, (v, u) => v / u).ToList();
            var mu = Median(unverified);
            var mv = Median(verified);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median req/s: unverified {mu:F0}, verified {mv:F0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median of per-round ratios: {Median(ratios):F3} (min {ratios.Min():F3}, max {ratios.Max():F3}; goal >= 0.85)"));
            return 0;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await app.StopAsync();
        }
    }

    private static async Task<double> RoundAsync(HttpClient[] clients, string path, byte[] body, string signature, int requests)
    {
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async client =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, signature);
                using var response = await client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}.");
                }
            }
        }));
        return requests / stopwatch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class DroppingProcessor : OpenTelemetry.BaseProcessor<Activity>;

    private sealed class NoExporter : OpenTelemetry.BaseExporter<OpenTelemetry.Metrics.Metric>
    {
        public override OpenTelemetry.ExportResult Export(in OpenTelemetry.Batch<OpenTelemetry.Metrics.Metric> batch) => OpenTelemetry.ExportResult.Success;
    }
}

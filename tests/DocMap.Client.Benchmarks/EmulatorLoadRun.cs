using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using DocMap.Client.Testing;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// A bounded loopback load run for the DocMap emulator (DocMap.Client.Testing): the emulator on 127.0.0.1 port 0 with
/// 3 webhooks and 50 recorded deliveries, 16 keep-alive connections (16 closed-loop workers, one HttpClient and one
/// connection each) calling <c>GET /v1/webhooks</c> and <c>GET /v1/webhooks/deliveries</c> (the default limit, 50
/// deliveries per answer) with the emulator's key. Rounds alternate between the two calls (the order flips every
/// round); the result is each call's median requests/second. Bounded: a fixed number of rounds of a fixed number of
/// requests, every request with a timeout, every answer checked for 200.
/// Entry point: <see cref="RunAsync"/> (see docs/benchmarks.md for how to start it).
/// </summary>
public static class EmulatorLoadRun
{
    private const string WebhooksPath = "/v1/webhooks";
    private const string DeliveriesPath = "/v1/webhooks/deliveries";

    /// <summary>Runs the load test and prints the results.</summary>
    /// <param name="args">Optional: rounds (default 10), requests per round and call (default 10000).</param>
    /// <returns>0 when every request answered 200.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var perRound = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10000;
        const int connections = 16;

        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryHandlerFactory = () => new AcceptingHandler() });
        var client = emulator.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await client.CreateWebhookAsync(new CreateWebhookRequest($"http://localhost/hook/{i}", [WebhookEventType.ExtractionCompleted]));
        }

        for (var i = 0; i < 17; i++)
        {
            await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted); // 3 deliveries each: 51 in the log
        }

        var clients = Enumerable.Range(0, connections)
            .Select(_ =>
            {
                var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false })
                {
                    BaseAddress = emulator.Url,
                    Timeout = TimeSpan.FromSeconds(30),
                };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.ApiKey);
                return http;
            })
            .ToArray();
        try
        {
            // Warm-up: JIT, connections, pools.
            await RoundAsync(clients, WebhooksPath, 2000);
            await RoundAsync(clients, DeliveriesPath, 2000);

            var webhooks = new List<double>();
            var deliveries = new List<double>();
            Console.WriteLine($"Emulator loopback load run: {rounds} rounds x {perRound} requests per call, {connections} connections");
            for (var round = 0; round < rounds; round++)
            {
                var deliveriesFirst = round % 2 == 1;
                var first = await RoundAsync(clients, deliveriesFirst ? DeliveriesPath : WebhooksPath, perRound);
                var second = await RoundAsync(clients, deliveriesFirst ? WebhooksPath : DeliveriesPath, perRound);
                var (w, d) = deliveriesFirst ? (second, first) : (first, second);
                webhooks.Add(w);
                deliveries.Add(d);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1,2}: GET /v1/webhooks {w,8:F0} req/s  GET /v1/webhooks/deliveries {d,8:F0} req/s"));
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"median req/s: /v1/webhooks {Median(webhooks):F0} (min {webhooks.Min():F0}), /v1/webhooks/deliveries {Median(deliveries):F0} (min {deliveries.Min():F0}); goal >= 5000"));
            return 0;
        }
        finally
        {
            foreach (var http in clients)
            {
                http.Dispose();
            }
        }
    }

    private static async Task<double> RoundAsync(HttpClient[] clients, string path, int requests)
    {
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async client =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                using var response = await client.GetAsync(path);
                await response.Content.ReadAsByteArrayAsync();
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

    /// <summary>Answers every delivery 200 in memory, so the log fills without a receiver.</summary>
    private sealed class AcceptingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
    }
}

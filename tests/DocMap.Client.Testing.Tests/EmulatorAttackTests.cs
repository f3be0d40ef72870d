using System.Diagnostics;
using System.Net;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Testing.Tests;

/// <summary>Hostile receivers, concurrency and disposal at the worst moment: every loop bounded in count and time.</summary>
public sealed class EmulatorAttackTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_receiver_that_redirects_is_a_failed_delivery_with_its_3xx_and_the_redirect_is_never_followed()
    {
        await using var hostile = await HostileReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook(hostile.Url("redirect"), WebhookSecret.Parse(new string('c', 64)));

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal(307, result.HttpStatus);
        Assert.False(result.Succeeded);
        Assert.Equal(1, hostile.Hits("redirect"));
        Assert.Equal(0, hostile.Hits("target")); // the signed body never went to the Location
        var logged = Assert.Single((await emulator.CreateClient().ListDeliveriesAsync()).Data);
        Assert.Equal(DeliveryStatus.Failed, logged.Status);
        Assert.Equal(307, logged.HttpStatus);
    }

    [Fact]
    public async Task A_receiver_answering_an_endless_body_is_a_success_after_its_headers_and_its_body_is_never_read()
    {
        // A raw socket receiver, so every byte the emulator accepted is counted: it answers 200 with a chunked body
        // and writes chunks until the emulator hangs up (bounded: at most 1 GiB, at most 20 s).
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            using var timeout = new CancellationTokenSource(Bound);
            var buffer = new byte[64 * 1024];
            var request = new System.Text.StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return -1L;
                }

                request.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            }

            await socket.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), timeout.Token);
            var chunk = System.Text.Encoding.ASCII.GetBytes($"{60 * 1024:x}\r\n" + new string('z', 60 * 1024) + "\r\n");
            long written = 0;
            try
            {
                while (written < 1024L * 1024 * 1024)
                {
                    written += await socket.SendAsync(chunk, timeout.Token);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // The emulator closed the connection (or the bound ran out).
            }

            return written;
        });

        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = TimeSpan.FromSeconds(10) });
        emulator.RegisterWebhook($"http://127.0.0.1:{port}/endless", WebhookSecret.Parse(new string('c', 64)));

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted).WaitAsync(Bound));
        var writtenBytes = await serving.WaitAsync(Bound);

        Assert.Equal(200, result.HttpStatus);
        Assert.True(result.Succeeded);
        Assert.True(writtenBytes is >= 0 and < 64L * 1024 * 1024, $"the receiver got {writtenBytes / (1024 * 1024)} MiB accepted: the body was read");
    }

    [Fact]
    public async Task A_receiver_whose_malformed_answer_quotes_60_KiB_of_its_bytes_leaves_a_short_error_in_the_delivery_log()
    {
        // .NET quotes a malformed header name in its exception message, and the emulator logged that message whole as
        // the delivery's error: 60 KiB of the receiver's bytes per delivery, outside the logs' byte bounds, and 100 such
        // deliveries made GET /v1/webhooks/deliveries?limit=100 larger than the client's default MaxResponseBytes.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource(Bound);
        var serving = Task.Run(async () =>
        {
            var answer = System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n" + new string('E', 60 * 1024) + "(): x\r\n\r\n");
            while (!stop.IsCancellationRequested)
            {
                using var socket = await listener.AcceptSocketAsync(stop.Token);
                var buffer = new byte[64 * 1024];
                var request = new System.Text.StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
                }

                try
                {
                    await socket.SendAsync(answer, stop.Token);
                    socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // The emulator hung up once it had seen enough.
                }
            }
        });

        await using var emulator = DocMapEmulator.Start();
        for (var i = 0; i < DocMapEmulator.MaxActiveWebhooks; i++)
        {
            emulator.RegisterWebhook($"http://127.0.0.1:{port}/hook{i}", WebhookSecret.Parse(new string('c', 64)));
        }

        var results = new List<EmulatedDelivery>();
        for (var round = 0; round < 10; round++)
        {
            results.AddRange(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted).WaitAsync(Bound));
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
        Assert.Equal(100, results.Count);
        foreach (var result in results)
        {
            Assert.Null(result.HttpStatus);
            Assert.StartsWith("Received an invalid header name", result.Error, StringComparison.Ordinal);
            Assert.InRange(result.Error!.Length, 1, 512);
        }

        // The code under test reads the whole log with the default client settings.
        var logged = (await emulator.CreateClient().ListDeliveriesAsync(limit: 100)).Data;
        Assert.Equal(100, logged.Count);
        Assert.All(logged, d => Assert.InRange(d.Error!.Length, 1, 512));
    }

    [Fact]
    public async Task A_receiver_that_sends_headers_slowly_is_a_timeout_within_the_delivery_timeout()
    {
        await using var hostile = await HostileReceiver.StartAsync();
        var timeout = TimeSpan.FromMilliseconds(700);
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = timeout });
        emulator.RegisterWebhook(hostile.Url("stall"), WebhookSecret.Parse(new string('c', 64)));
        using var api = new EmulatorApi(emulator);

        // Through the control API: the call answers after the attempt gave up.
        var response = await api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""").WaitAsync(Bound);

        var delivery = Assert.Single(response.Data.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, delivery.GetProperty("httpStatus").ValueKind);
        Assert.Contains("Timed out", delivery.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.InRange(delivery.GetProperty("durationMs").GetInt64(), 600, 15_000);
    }

    [Fact]
    public async Task Concurrent_control_triggers_registrations_and_API_calls_keep_a_consistent_state()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var secrets = Enumerable.Range(0, 4).Select(i => $"{i:x}".PadLeft(64, 'e')).ToArray();
        var registrations = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            receiver.Expect($"h{i}", secrets[i]);
            return api.SendAsync(HttpMethod.Post, "_emulator/webhooks", $$"""{"url":"{{receiver.HookUrl($"h{i}")}}","events":["extraction.completed"],"secret":"{{secrets[i]}}"}""");
        }));
        Assert.All(await Task.WhenAll(registrations), r => Assert.Equal(HttpStatusCode.OK, r.Status));

        var triggers = Enumerable.Range(0, 15).Select(i => Task.Run(() => i % 3 == 0
            ? api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""")
            : emulator.TriggerAsync(WebhookEventType.ExtractionCompleted).ContinueWith(t => new ApiResponse(t.Result.Count == 4 ? HttpStatusCode.OK : HttpStatusCode.Conflict, "", null, null), TaskScheduler.Default)));
        var reads = Enumerable.Range(0, 40).Select(i => Task.Run(() => i % 2 == 0
            ? api.ListDeliveriesAsync("?limit=100")
            : api.SendAsync(HttpMethod.Get, "_emulator/deliveries?limit=1000")));
        var lists = Enumerable.Range(0, 20).Select(_ => Task.Run(api.ListWebhooksAsync));

        Assert.All(await Task.WhenAll(triggers).WaitAsync(TimeSpan.FromSeconds(60)), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(60)), r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(await Task.WhenAll(lists).WaitAsync(TimeSpan.FromSeconds(60)), r => Assert.Equal(4, r.Data.GetArrayLength()));

        Assert.Equal(60, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.True(r.Verified, r.Name));
        var log = emulator.Deliveries;
        Assert.Equal(60, log.Count);
        Assert.Equal(60, log.Select(d => d.Id).Distinct().Count());
        Assert.All(log, d => Assert.True(d.Succeeded));
        Assert.Equal(20, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
    }

    [Fact]
    public async Task Disposal_while_a_control_trigger_waits_on_a_stalled_receiver_ends_the_call_and_stops_promptly()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = TimeSpan.FromMinutes(2) });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.SlowUrl, "extraction.completed");

        var trigger = api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""");
        await receiver.SlowRequestArrived.Task.WaitAsync(Bound);
        var watch = Stopwatch.StartNew();
        await emulator.DisposeAsync().AsTask().WaitAsync(Bound);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"disposal took {watch.Elapsed}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => trigger.WaitAsync(Bound)); // cut, not answered
    }

    [Fact]
    public async Task A_delivery_in_flight_during_a_reset_is_not_logged_after_it()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = TimeSpan.FromSeconds(1) });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.SlowUrl, "extraction.completed");

        var trigger = emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        await receiver.SlowRequestArrived.Task.WaitAsync(Bound);
        emulator.Reset();
        var result = Assert.Single(await trigger.WaitAsync(Bound));

        Assert.Contains("Timed out", result.Error, StringComparison.Ordinal);
        Assert.Empty(emulator.Deliveries);
        Assert.Equal(0, (await api.ListDeliveriesAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task A_flood_of_refused_requests_with_bodies_leaves_the_logs_without_bodies_and_the_emulator_serving()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxRequestLogEntries = 100 });
        var body = new string('x', 512 * 1024);
        using var wrong = new EmulatorApi(emulator, "dm_test_wrong");
        var flood = Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            wrong.SendAsync(HttpMethod.Post, i % 2 == 0 ? "v1/webhooks" : "_emulator/trigger", "{\"url\":\"" + body + "\"}")));

        var answers = await Task.WhenAll(flood).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.Equal(100, emulator.Requests.Count);
        Assert.All(emulator.Requests, r => Assert.Null(r.Body));
        Assert.Equal(100, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
        using var good = new EmulatorApi(emulator);
        Assert.Equal(HttpStatusCode.OK, (await good.ListWebhooksAsync()).Status);
    }

    /// <summary>A Kestrel receiver that misbehaves on purpose.</summary>
    private sealed class HostileReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stopping = new();

        private HostileReceiver(WebApplication app) => _app = app;

        private Uri BaseUrl => new(_app.Urls.Single());

        public string Url(string name) => new Uri(BaseUrl, "/" + name).ToString();

        public int Hits(string name) => _hits.TryGetValue(name, out var n) ? n : 0;

        public static async Task<HostileReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new HostileReceiver(app);
            app.MapPost("/redirect", (HttpContext context) =>
            {
                receiver._hits.AddOrUpdate("redirect", 1, (_, n) => n + 1);
                return Results.Redirect(receiver.Url("target"), permanent: false, preserveMethod: true);
            });
            app.MapPost("/target", () =>
            {
                receiver._hits.AddOrUpdate("target", 1, (_, n) => n + 1);
                return Results.Ok();
            });
            app.MapPost("/stall", async (HttpContext context) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, receiver._stopping.Token);
                await Task.Delay(TimeSpan.FromSeconds(30), linked.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
            _stopping.Dispose();
        }
    }
}

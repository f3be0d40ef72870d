using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>
/// How the body is read, over raw sockets to a real Kestrel host: the early 401, the read deadline (408 and close), the
/// limit counted in decoded body bytes whatever the chunking, the server's own limit, and the pooled buffer.
/// </summary>
public sealed class BodyReadTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    /// <summary>A well-formed signature that matches nothing: it passes the header pre-check, so the body is read.</summary>
    private static readonly string WrongSignature = new('0', 64);

    private static Dictionary<string, string?> Settings(string? bodyReadTimeout = null, long? maxBodyBytes = null)
    {
        var settings = WebhookHost.Settings(SecretText);
        if (bodyReadTimeout is not null)
        {
            settings["DocMap:Webhooks:BodyReadTimeout"] = bodyReadTimeout;
        }

        if (maxBodyBytes is not null)
        {
            settings["DocMap:Webhooks:MaxBodyBytes"] = maxBodyBytes.Value.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    [Fact]
    public async Task A_request_without_a_signature_header_is_answered_401_before_its_body_arrives()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDocMapWebhooksTests.MapDelegate);
        foreach (var signatureLine in new[] { "", $"{WebhookSignatureOptions.DefaultHeaderName}: not-hex\r\n" })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
            var stream = tcp.GetStream();

            // Declares 1,000,000 bytes (within the 1 MiB default limit) and sends none of them.
            var head = $"POST {Deliveries.Path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{signatureLine}Content-Length: 1000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            while (!answer.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                Assert.NotEqual(0, n);
                answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            Assert.StartsWith("HTTP/1.1 401", answer.ToString(), StringComparison.Ordinal);
        }

        var rejections = host.Logs.GetSnapshot().Where(r => r.Id.Id == 4002).Select(r => r.GetStructuredStateValue("Reason") ?? "").ToArray();
        Assert.Equal([nameof(WebhookSignatureFailureReason.MissingSignature), nameof(WebhookSignatureFailureReason.MalformedSignature)], rejections);
        Assert.Equal(0, host.Recorder.Count);
    }


    public static TheoryData<string> EndpointKinds() => ["delegate", "class", "RequireDocMapSignature", "middleware"];

    private static void MapKind(WebApplication app, string kind)
    {
        switch (kind)
        {
            case "delegate":
                MapDocMapWebhooksTests.MapDelegate(app);
                break;
            case "class":
                app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path);
                break;
            case "RequireDocMapSignature":
                app.MapPost(Deliveries.Path, ([FromBody] DeliveryDto dto, Recorder recorder) => recorder.Calls.Enqueue(dto.ExtractionId)).RequireDocMapSignature();
                break;
            default:
                app.UseDocMapWebhookSignatures();
                app.MapPost(Deliveries.Path, ([FromBody] DeliveryDto dto, Recorder recorder) => recorder.Calls.Enqueue(dto.ExtractionId)).RequireDocMapSignature();
                break;
        }
    }

    [Theory]
    [MemberData(nameof(EndpointKinds))]
    public async Task A_body_that_stalls_past_BodyReadTimeout_is_answered_408_and_its_connection_closed_on_every_endpoint_kind(string kind)
    {
        await using var host = await WebhookHost.StartAsync(Settings(bodyReadTimeout: "00:00:01"), app => MapKind(app, kind));
        using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);
        var clock = Stopwatch.StartNew();

        // Declares 10,000 bytes, sends 100 of them, then goes silent (the socket stays open).
        await connection.SendAsync(RawConnection.Head(Deliveries.Path, WrongSignature, "Content-Length: 10000"), CancellationToken.None);
        await connection.SendAsync(new byte[100], CancellationToken.None);
        var reply = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(30), clock);

        Assert.True(reply.Closed, $"The connection was still open after {reply.After}: '{reply.Text}'");
        Assert.InRange(reply.After, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1 + 3.5));
        Assert.StartsWith("HTTP/1.1 408", reply.Text, StringComparison.Ordinal);
        Assert.Contains("Connection: close", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("REQUEST_TIMEOUT", reply.Text, StringComparison.Ordinal);
        var logged = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4010);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal("WebhookBodyReadTimedOut", logged.Id.Name);
        Assert.Contains("the body did not arrive within 1 second (100 bytes read, Content-Length 10000,", logged.Message, StringComparison.Ordinal);
        Assert.Equal("1 second", logged.GetStructuredStateValue("BodyReadTimeout"));
        Assert.Equal("100", logged.GetStructuredStateValue("BytesRead"));
        Assert.Equal("10000", logged.GetStructuredStateValue("ContentLength"));
        Assert.Equal(0, host.Recorder.Count);
        Assert.Empty(host.Recorder.Calls);

        // The receiver is fine afterwards.
        using var valid = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_after_stall"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, valid);
    }

    [Fact]
    public async Task After_the_408_the_request_ends_as_soon_as_the_sender_closes_not_only_after_the_linger()
    {
        // The receiver's clock is a fake one that the test moves only until the 408 is decided: the 1 s linger after the
        // answer can then never run out, so the request can end only because the sender closed the connection.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await WebhookHost.StartAsync(
            Settings(bodyReadTimeout: "00:00:01"),
            app =>
            {
                app.Use(async (context, next) =>
                {
                    await next(context);
                    ended.TrySetResult();
                });
                MapDocMapWebhooksTests.MapDelegate(app);
            },
            configure: b =>
            {
                b.Services.AddSingleton<TimeProvider>(clock);

                // Nor can the server's own minimum data rate end it (it times body reads on the real clock).
                b.WebHost.ConfigureKestrel(o => o.Limits.MinRequestBodyDataRate = null);
            });
        using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);
        await connection.SendAsync(RawConnection.Head(Deliveries.Path, WrongSignature, "Content-Length: 10000"), CancellationToken.None);
        await connection.SendAsync(new byte[100], CancellationToken.None);
        var head = connection.ReadHeadAsync(TimeSpan.FromSeconds(30));

        // Move the fake clock in small steps until the deadline has fired (event 4010 is logged before the answer is
        // written, so at most one more step follows it: far less than the linger).
        for (var step = 0; step < 600 && !host.Logs.GetSnapshot().Any(r => r.Id.Id == 4010); step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(20);
        }

        Assert.StartsWith("HTTP/1.1 408", await head, StringComparison.Ordinal);
        Assert.False(ended.Task.IsCompleted, "the request ended before the sender closed (the linger cannot have run out)");

        connection.Dispose();

        var closedInTime = await Task.WhenAny(ended.Task, Task.Delay(TimeSpan.FromSeconds(20))) == ended.Task;
        Assert.True(closedInTime, "the request was still running 20 s after the sender closed the connection");
    }

    [Fact]
    public async Task A_chunked_body_that_stalls_is_answered_408_too()
    {
        await using var host = await WebhookHost.StartAsync(Settings(bodyReadTimeout: "00:00:01"), MapDocMapWebhooksTests.MapDelegate);
        using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);
        var clock = Stopwatch.StartNew();

        await connection.SendAsync(RawConnection.Head(Deliveries.Path, WrongSignature, "Transfer-Encoding: chunked"), CancellationToken.None);
        await connection.SendAsync("10\r\n0123456789abcdef\r\n"u8.ToArray(), CancellationToken.None);
        var reply = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(30), clock);

        Assert.True(reply.Closed);
        Assert.InRange(reply.After, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1 + 3.5));
        Assert.StartsWith("HTTP/1.1 408", reply.Text, StringComparison.Ordinal);
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Id.Id == 4010 && r.GetStructuredStateValue("BytesRead") == "16");
    }

    [Fact]
    public async Task Over_HTTP2_a_stalled_body_is_answered_408_and_only_its_stream_is_reset()
    {
        var connections = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var host = await WebhookHost.StartAsync(
            Settings(bodyReadTimeout: "00:00:01"),
            app =>
            {
                app.Use((context, next) =>
                {
                    connections.Enqueue(context.Connection.Id);
                    return next(context);
                });
                MapDocMapWebhooksTests.MapDelegate(app);
            },
            configure: b => b.WebHost.ConfigureKestrel(o => o.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2)));
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var release = new TaskCompletionSource();
        using var stalled = new HttpRequestMessage(HttpMethod.Post, Deliveries.Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StallingContent(100, 10_000, release.Task),
        };
        stalled.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WrongSignature);
        var clock = Stopwatch.StartNew();

        try
        {
            using var response = await client.SendAsync(stalled);
            Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
            Assert.Contains("REQUEST_TIMEOUT", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15));
        }
        finally
        {
            release.TrySetResult();
        }

        // The same HTTP/2 connection serves the next delivery: only the stalled request's stream was reset.
        var body = Deliveries.Body("ext_h2_after_stall");
        using var valid = Deliveries.Signed(body, Secret);
        valid.Version = HttpVersion.Version20;
        valid.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var ok = await client.SendAsync(valid);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, ok);
        Assert.Equal(HttpVersion.Version20, ok.Version);
        Assert.Single(connections.Distinct());
        Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4010);
        Assert.Equal("ext_h2_after_stall", Assert.Single(host.Recorder.Events).ExtractionId);
    }

    /// <summary>Sends the first <c>sent</c> bytes of a body that declares <c>declared</c>, then waits for <c>release</c>.</summary>
    private sealed class StallingContent(int sent, long declared, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[sent]);
            await stream.FlushAsync();
            await release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = declared;
            return true;
        }
    }

    [Fact]
    public async Task A_body_below_the_servers_minimum_data_rate_is_answered_408_and_closed_too()
    {
        // Kestrel's own minimum data rate trips first here (BodyReadTimeout is a minute): the same answer, 408 and closed.
        await using var host = await WebhookHost.StartAsync(Settings(bodyReadTimeout: "00:01:00"), MapDocMapWebhooksTests.MapDelegate,
            configure: b => b.WebHost.ConfigureKestrel(o => o.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1000, gracePeriod: TimeSpan.FromSeconds(2))));
        using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);
        var clock = Stopwatch.StartNew();

        await connection.SendAsync(RawConnection.Head(Deliveries.Path, WrongSignature, "Content-Length: 10000"), CancellationToken.None);
        await connection.SendAsync(new byte[10], CancellationToken.None);
        var reply = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(30), clock);

        Assert.True(reply.Closed);
        Assert.InRange(reply.After, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        Assert.StartsWith("HTTP/1.1 408", reply.Text, StringComparison.Ordinal);
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Id.Id == 4006 && r.GetStructuredStateValue("Problem")!.Contains("minimum data rate", StringComparison.Ordinal));
        Assert.Equal(0, host.Recorder.Count);
    }

    [Theory]
    [InlineData(400 * 1024, 1)]
    [InlineData(1000 * 1024, 4)]
    public async Task A_signed_chunked_body_within_MaxBodyBytes_is_accepted_however_small_its_chunks(int size, int chunkSize)
    {
        await using var host = await WebhookHost.StartAsync(Settings(), MapDocMapWebhooksTests.MapDelegate);
        var body = Deliveries.Body("ext_chunks", targetBytes: size);
        Assert.Equal(size, body.Length);
        using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);

        await connection.SendAsync(RawConnection.Head(Deliveries.Path, WebhookSigner.Sign(Secret, body), "Transfer-Encoding: chunked"), CancellationToken.None);
        await connection.SendAsync(RawConnection.Chunked(body, chunkSize), CancellationToken.None);
        var head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(60));

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(body), Assert.Single(host.Recorder.Events).RawJson);
    }

    [Fact]
    public async Task MaxBodyBytes_counts_decoded_bytes_exactly_for_a_chunked_body_in_one_byte_chunks()
    {
        const int limit = 256 * 1024;
        await using var host = await WebhookHost.StartAsync(Settings(maxBodyBytes: limit), MapDocMapWebhooksTests.MapDelegate);
        var atLimit = Deliveries.Body("ext_at_limit", targetBytes: limit);
        var overLimit = Deliveries.Body("ext_over_limit", targetBytes: limit + 1);
        Assert.Equal(limit + 1, overLimit.Length);

        async Task<string> SendAsync(byte[] body)
        {
            using var connection = await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None);
            await connection.SendAsync(RawConnection.Head(Deliveries.Path, WebhookSigner.Sign(Secret, body), "Transfer-Encoding: chunked"), CancellationToken.None);
            await connection.SendAsync(RawConnection.Chunked(body, 1), CancellationToken.None);
            return await connection.ReadHeadAsync(TimeSpan.FromSeconds(60));
        }

        Assert.StartsWith("HTTP/1.1 200", await SendAsync(atLimit), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 413", await SendAsync(overLimit), StringComparison.Ordinal);
        Assert.Equal("ext_at_limit", Assert.Single(host.Recorder.Events).ExtractionId);
        Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4003);
    }

    [Fact]
    public async Task The_server_body_limit_follows_the_endpoint_limit_instead_of_being_lifted()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "16384";
        await using var host = await WebhookHost.StartAsync(
            settings,
            app => app.MapPost("/limit", (HttpContext context) =>
                context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none")
                .RequireDocMapSignature(),
            configure: b => b.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 4096));
        var body = Deliveries.Body("ext_limit", targetBytes: 1024);

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/limit"));

        Assert.Equal("16384", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
    }

    [Fact]
    public void A_verified_body_buffer_goes_back_to_the_pool_cleared()
    {
        // ArrayPool<byte>.Shared keeps the last returned array of a size class in a thread-local slot, so on one
        // thread the next Rent of that size class gets the array just returned.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(3000);
        var body = Encoding.UTF8.GetBytes("{\"event\":\"extraction.completed\",\"data\":{\"extractedData\":{\"iban\":\"DE-SECRET\"}}}");
        body.CopyTo(buffer, 0);
        var feature = new Internal.DocMapWebhookFeature(buffer, body.Length, WebhookEvent.Parse(body), default);

        feature.Dispose();
        var next = System.Buffers.ArrayPool<byte>.Shared.Rent(3000);

        try
        {
            Assert.Same(buffer, next);
            Assert.All(next, b => Assert.Equal(0, b));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(next);
        }
    }
}

/// <summary>
/// The attack of issue 8, item 1, bounded: many senders without the secret send most of a body with a well-formed but
/// wrong signature and stall. Runs alone (it measures process memory).
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class StalledSendersTests(ITestOutputHelper output)
{
    private const int Senders = 50;
    private const int SentBytes = 512 * 1024;
    private const int DeclaredBytes = 1_000_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    // The answer leaves, then the connection closes within the server's 1 s linger; draining instead would take 5 s more.
    // The other second is room for a loaded 2-core CI machine; it stays under a drain's 8 s (without the deadline these
    // connections stay open for over an hour).
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(4.5);

    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    [Fact]
    public async Task Fifty_stalled_senders_are_answered_408_and_closed_within_the_deadline_a_valid_delivery_still_gets_200_and_memory_returns()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:BodyReadTimeout"] = "00:00:03";
        await using var host = await WebhookHost.StartAsync(settings, MapDocMapWebhooksTests.MapDelegate, configure: b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Information);

            // Kestrel buffers up to 1 MiB per connection ahead of the app by default; its memory pool then grows or
            // shrinks with how the 50 senders' bytes happen to interleave, which would blur what this test measures
            // (the receiver's own buffers). 64 KiB keeps the server's share small and steady.
            b.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBufferSize = 64 * 1024);
        });
        using (var warm = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_warm"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, warm);
        }

        // A first round fills the buffer pool and the server's memory pool to their steady state (returned buffers
        // stay pooled for reuse, by design), so the measured round shows whether anything is kept beyond it.
        var cold = Memory.Measure();
        var warmUpPeak = await AttackRoundAsync(host, "warm-up round");
        var before = Memory.Measure();
        output.WriteLine($"warm-up round (cold pools): managed heap {cold.Managed / 1024} KiB before, {warmUpPeak.Managed / 1024} KiB while stalled, {before.Managed / 1024} KiB after (pooled for reuse)");

        var during = await AttackRoundAsync(host, "measured round");
        var after = Memory.Measure();

        output.WriteLine($"managed heap: before {before.Managed / 1024} KiB, during the stall {during.Managed / 1024} KiB, after {after.Managed / 1024} KiB");
        output.WriteLine($"working set:  before {before.WorkingSet / 1024} KiB, during the stall {during.WorkingSet / 1024} KiB, after {after.WorkingSet / 1024} KiB");

        // One stalled round holds 50 x 512 KiB = 25 MiB of body buffers; nothing of it may stay (the slack covers the
        // pools' bookkeeping: a few arrays land in a full pool partition and are allocated anew).
        Assert.True(after.Managed <= before.Managed + (12L << 20), $"managed heap grew by {(after.Managed - before.Managed) / 1024} KiB");
        Assert.True(after.WorkingSet <= before.WorkingSet + (24L << 20), $"working set grew by {(after.WorkingSet - before.WorkingSet) / 1024} KiB");
        Assert.Equal(2 * Senders, host.Logs.GetSnapshot().Count(r => r.Id.Id == 4010));
        Assert.Equal(3, host.Recorder.Count);
    }

    /// <summary>Runs one round; returns the memory seen while the senders stall.</summary>
    private async Task<Memory> AttackRoundAsync(WebhookHost host, string round)
    {
        var body = new byte[SentBytes];
        Array.Fill(body, (byte)'x');
        var head = RawConnection.Head(Deliveries.Path, new string('0', 64), $"Content-Length: {DeclaredBytes}");
        var connections = new List<RawConnection>();
        try
        {
            var clocks = new Stopwatch[Senders];
            for (var i = 0; i < Senders; i++)
            {
                connections.Add(await RawConnection.OpenAsync(host.BaseAddress, CancellationToken.None));
            }

            await Task.WhenAll(connections.Select(async (connection, i) =>
            {
                clocks[i] = Stopwatch.StartNew();
                await connection.SendAsync(head, CancellationToken.None);
                await connection.SendAsync(body, CancellationToken.None);
            })).WaitAsync(TimeSpan.FromSeconds(30));
            var replies = connections.Select((connection, i) => connection.ReadUntilClosedAsync(Deadline + TimeSpan.FromSeconds(30), clocks[i])).ToArray();

            // Meanwhile, a valid delivery is served.
            var validClock = Stopwatch.StartNew();
            using (var valid = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body($"ext_{round.Replace(' ', '_')}"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, valid);
            }

            var validAfter = validClock.Elapsed;
            var stalled = new Memory(GC.GetTotalMemory(forceFullCollection: false), Memory.WorkingSetNow());
            var all = await Task.WhenAll(replies);

            output.WriteLine($"{round}: valid delivery answered in {validAfter.TotalMilliseconds:F0} ms; stalled senders closed after " +
                             $"{all.Min(r => r.After).TotalSeconds:F2}-{all.Max(r => r.After).TotalSeconds:F2} s, {all.Count(r => r.Reset)} by reset, " +
                             $"{all.Count(r => r.Text.StartsWith("HTTP/1.1 408", StringComparison.Ordinal))} saw the 408");
            Assert.All(all, reply =>
            {
                Assert.True(reply.Closed, $"a stalled connection was still open after {reply.After}");
                Assert.InRange(reply.After, Deadline * 0.9, Deadline + Margin);
                Assert.StartsWith("HTTP/1.1 408", reply.Text, StringComparison.Ordinal);
            });
            return stalled;
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Managed heap and process working set, in bytes.</summary>
    private readonly record struct Memory(long Managed, long WorkingSet)
    {
        public static Memory Measure()
        {
            for (var i = 0; i < 2; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            return new Memory(GC.GetTotalMemory(forceFullCollection: true), WorkingSetNow());
        }

        public static long WorkingSetNow()
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }
}

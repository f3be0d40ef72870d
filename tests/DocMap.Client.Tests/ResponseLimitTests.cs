using System.IO.Compression;
using System.Net;
using System.Text;

namespace DocMap.Client.Tests;

/// <summary>
/// Hostile servers that answer with huge or compressed bodies (issue 8, item 2). The client reads at most
/// <see cref="DocMapClientOptions.MaxResponseBytes"/> of a 2xx body (counted after decompression) and at most 64 KiB of
/// an error body, so memory stays a small multiple of the cap whatever the server sends. The tests run alone (their
/// collection disables parallelization) because they measure the process's allocations.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class ResponseLimitTests
{
    private const string ApiKey = WireMockTestBase.ApiKey;
    private const int DefaultCap = 4 * 1024 * 1024;

    /// <summary>256 MiB of zeros, gzip-compressed (about 250 KB): a bomb that inflates a thousand-fold.</summary>
    private static readonly Lazy<byte[]> GzipBomb = new(() =>
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 256; i++)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    });

    private static IDocMapApi Client(Uri baseAddress, Action<DocMapClientOptions>? configure = null)
    {
        var options = new DocMapClientOptions
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        };
        configure?.Invoke(options);
        return DocMapClient.Create(ApiKey, options);
    }

    private static string Head(int status, string reason, string extraHeaders) =>
        $"HTTP/1.1 {status} {reason}\r\n{extraHeaders}Connection: close\r\n\r\n";

    /// <summary>Writes <paramref name="total"/> bytes of <paramref name="fill"/> in 64 KiB writes until done or the client hangs up.</summary>
    private static async Task StreamFillAsync(Stream stream, long total, byte fill, bool chunked, CancellationToken ct)
    {
        var block = new byte[64 * 1024];
        Array.Fill(block, fill);
        var chunkHeader = Encoding.ASCII.GetBytes($"{block.Length:X}\r\n");
        var crlf = "\r\n"u8.ToArray();
        for (long sent = 0; sent < total; sent += block.Length)
        {
            if (chunked)
            {
                await stream.WriteAsync(chunkHeader, ct);
            }

            await stream.WriteAsync(block, ct);
            if (chunked)
            {
                await stream.WriteAsync(crlf, ct);
            }
        }

        if (chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
        }

        await stream.FlushAsync(ct);
    }

    /// <summary>
    /// Runs <paramref name="call"/> and returns its exception, the bytes the whole process allocated meanwhile (an upper
    /// bound of what the call could have held), and the peak growth of the process's working set and managed heap,
    /// sampled every few milliseconds while the call ran.
    /// </summary>
    private static async Task<Measurement<TException>> MeasureAsync<TException>(Func<Task> call)
        where TException : Exception
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var workingSetBefore = Environment.WorkingSet;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peakWorkingSet = workingSetBefore, peakHeap = heapBefore;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(2);
            }
        });

        var error = await Assert.ThrowsAsync<TException>(call);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await stop.CancelAsync();
        await sampler;
        return new(error, allocated, peakWorkingSet - workingSetBefore, peakHeap - heapBefore);
    }

    private sealed record Measurement<TException>(TException Error, long Allocated, long PeakWorkingSetGrowth, long PeakHeapGrowth)
    {
        /// <summary>Asserts that the call allocated, and the process grew by, no more than the bounds.</summary>
        public void AssertBounded(long maxAllocated, long maxGrowth, string what)
        {
            var report = $"{what}: allocated {Allocated:N0} bytes, peak working-set growth {PeakWorkingSetGrowth:N0}, peak heap growth {PeakHeapGrowth:N0}";
            Assert.True(Allocated < maxAllocated, report);
            Assert.True(PeakHeapGrowth < maxGrowth, report);
            Assert.True(PeakWorkingSetGrowth < maxGrowth, report);
        }
    }

    [Fact]
    public async Task A_gzip_bomb_on_a_200_ends_in_a_DocMapApiException_naming_MaxResponseBytes_with_memory_bounded_by_the_cap()
    {
        var bomb = GzipBomb.Value;
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, Head(200, "OK", $"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {bomb.Length}\r\n"), ct);
            await stream.WriteAsync(bomb, ct);
        });
        var client = Client(server.BaseAddress);

        var measured = await MeasureAsync<DocMapApiException>(() => client.ListDeliveriesAsync());
        var error = measured.Error;

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Contains("DocMapClientOptions.MaxResponseBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{DefaultCap} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Connections); // a body over the cap would be over it again: never retried
        // 256 MiB inflated without the cap; with it, a small multiple of the 4 MiB cap.
        measured.AssertBounded(maxAllocated: 4L * DefaultCap, maxGrowth: 8L * DefaultCap, "a 256 MiB gzip bomb");
    }

    [Fact]
    public async Task A_gzip_bomb_on_a_503_is_read_only_to_the_error_body_limit_on_each_retry()
    {
        var bomb = GzipBomb.Value;
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, Head(503, "Service Unavailable", $"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {bomb.Length}\r\n"), ct);
            await stream.WriteAsync(bomb, ct);
        });
        var client = Client(server.BaseAddress);

        var measured = await MeasureAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var error = measured.Error;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Connections); // a 503 is still retried (1 attempt + 3 retries), each read to 64 KiB only
        measured.AssertBounded(maxAllocated: 2L * DefaultCap, maxGrowth: 8L * DefaultCap, "a 256 MiB gzip bomb on four 503s");
    }

    [Fact]
    public async Task A_huge_chunked_500_body_is_read_only_to_the_error_body_limit()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, Head(500, "Internal Server Error", "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n"), ct);
            await StreamFillAsync(stream, 100L * 1024 * 1024, (byte)'x', chunked: true, ct);
        });
        var client = Client(server.BaseAddress, o => o.MaxRetries = 1);

        var measured = await MeasureAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var error = measured.Error;

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("error body", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Connections);
        measured.AssertBounded(maxAllocated: 2L * DefaultCap, maxGrowth: 8L * DefaultCap, "two 100 MB chunked 500 bodies");
    }

    [Fact]
    public async Task A_huge_503_body_repeated_over_retries_keeps_memory_bounded()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            const long size = 50L * 1024 * 1024;
            await RawHttpServer.WriteAsync(stream, Head(503, "Service Unavailable", $"Content-Type: application/json\r\nRetry-After: 0\r\nContent-Length: {size}\r\n"), ct);
            await StreamFillAsync(stream, size, (byte)' ', chunked: false, ct);
        });
        var client = Client(server.BaseAddress, o => o.MaxRetries = 5);

        var measured = await MeasureAsync<DocMapApiException>(() => client.DeleteWebhookAsync("wh_1"));
        var error = measured.Error;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, server.Connections);
        measured.AssertBounded(maxAllocated: 2L * DefaultCap, maxGrowth: 8L * DefaultCap, "six 50 MB 503 bodies");
    }

    [Fact]
    public async Task A_2xx_that_declares_a_length_over_the_cap_fails_before_its_body_is_read_and_is_not_retried()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, Head(200, "OK", $"Content-Type: application/json\r\nContent-Length: {DefaultCap + 1}\r\n"), ct);
            await StreamFillAsync(stream, DefaultCap + 1, (byte)' ', chunked: false, ct);
        });

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress).ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Contains("DocMapClientOptions.MaxResponseBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal("GET", error.RequestMethod);
        Assert.Equal("/v1/webhooks", error.RequestPath);
        Assert.False(error.IsTransient);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task MaxResponseBytes_is_the_limit_and_a_body_within_it_is_read()
    {
        var small = Examples.ListWebhooksResponse;                       // about 250 bytes
        var large = $$"""{"data":[{{string.Join(",", Enumerable.Repeat(Examples.Webhook, 20))}}]}"""; // about 4.5 KB
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, RawHttpServer.Response(200, "OK", index == 0 ? small : large), ct));
        var client = Client(server.BaseAddress, o => o.MaxResponseBytes = 2048);

        Assert.Single((await client.ListWebhooksAsync()).Data);
        var error = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());

        Assert.Contains("DocMapClientOptions.MaxResponseBytes (2048 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task A_POST_whose_2xx_body_is_over_the_cap_fails_with_the_same_error()
    {
        await using var server = new RawHttpServer(async (index, request, stream, socket, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, Head(201, "Created", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"), ct);
            await StreamFillAsync(stream, 8L * 1024 * 1024, (byte)' ', chunked: true, ct);
        });

        var error = await Assert.ThrowsAsync<DocMapApiException>(() =>
            Client(server.BaseAddress).CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.Created, error.StatusCode);
        Assert.Equal("POST", error.RequestMethod);
        Assert.Contains("DocMapClientOptions.MaxResponseBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_body_within_the_limit_is_still_read_for_its_code()
    {
        var padded = $$$"""{"error":{"code":"INTERNAL_ERROR","message":"{{{new string('m', 60 * 1024)}}}"}}""";
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, RawHttpServer.Response(500, "Internal Server Error", padded), ct));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress, o => o.MaxRetries = 0).ListWebhooksAsync());

        Assert.Equal(DocMapErrorCodes.InternalError, error.ErrorCode);
    }
}

/// <summary>
/// A compressed body whose data is corrupt: the decompressor throws <see cref="InvalidDataException"/> (gzip, deflate) or
/// <see cref="InvalidOperationException"/> (brotli), which used to escape the client as they were: neither a
/// <see cref="DocMapApiException"/> nor an <see cref="HttpRequestException"/>, and a 503 lost its status and its retries.
/// </summary>
public sealed class CorruptCompressedBodyTests
{
    private static readonly byte[] CorruptGzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    private static readonly byte[] CorruptBrotli = Encoding.ASCII.GetBytes("this is not brotli data, not at all, not at all, not at all");

    private static RawHttpServer Serving(int status, string encoding, byte[] body) => new(async (index, request, stream, socket, ct) =>
    {
        await RawHttpServer.WriteAsync(stream, $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Encoding: {encoding}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n", ct);
        await stream.WriteAsync(body, ct);
    });

    private static IDocMapApi Client(Uri baseAddress) => DocMapClient.Create(WireMockTestBase.ApiKey, new DocMapClientOptions
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    });

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task A_2xx_with_a_corrupt_compressed_body_is_a_DocMapApiException_with_the_status(string encoding)
    {
        await using var server = Serving(200, encoding, encoding == "gzip" ? CorruptGzip : CorruptBrotli);

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress).ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Equal("GET", error.RequestMethod);
        Assert.Equal("/v1/webhooks", error.RequestPath);
        Assert.Contains("could not be decompressed", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
        Assert.Equal(1, server.Connections); // the same bytes would come back: not retried, like a 2xx that is not JSON
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task A_503_with_a_corrupt_compressed_body_keeps_its_status_and_is_retried(string encoding)
    {
        await using var server = Serving(503, encoding, encoding == "gzip" ? CorruptGzip : CorruptBrotli);

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => Client(server.BaseAddress).ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Null(error.ErrorCode);
        Assert.Contains("could not be decompressed", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Connections); // 1 attempt + MaxRetries, as for any 503
    }

    [Fact]
    public async Task A_POST_answered_with_a_corrupt_compressed_body_is_a_DocMapApiException()
    {
        await using var server = Serving(201, "gzip", CorruptGzip);

        var error = await Assert.ThrowsAsync<DocMapApiException>(() =>
            Client(server.BaseAddress).CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.Created, error.StatusCode);
        Assert.Equal("POST", error.RequestMethod);
    }
}

/// <summary>Tests that measure the process's allocations run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "Memory-measuring tests (run alone)";
}

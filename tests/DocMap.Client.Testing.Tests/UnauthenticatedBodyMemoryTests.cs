using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace DocMap.Client.Testing.Tests;

/// <summary>Measures the process's memory, so it runs alone (no other test allocating meanwhile).</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement
{
}

/// <summary>
/// Issue 8, item 6: the emulator kept every request body for ever, also those refused for a missing key (10
/// unauthenticated 20 MB POSTs left a 1.6 GB working set). Bodies of requests refused with 401 are now never read nor kept.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class UnauthenticatedBodyMemoryTests(ITestOutputHelper output)
{
    private const int Posts = 10;
    private const int BodyBytes = 20 * 1024 * 1024;

    [Fact]
    public async Task Ten_unauthenticated_20_MB_POSTs_leave_the_heap_near_its_level_and_no_body_in_the_log()
    {
        await using var emulator = DocMapEmulator.Start();
        var body = new byte[BodyBytes];
        Array.Fill(body, (byte)'a');
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = emulator.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "dm_live_" + new string('0', 64));

        // Warm up the server's and the client's pools with one small refused request, then take the baseline.
        using (var warm = await http.PostAsync("v1/webhooks", new ByteArrayContent("{}"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, warm.StatusCode);
        }

        var heapBefore = SettledHeapBytes();
        var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;

        var answered401 = 0;
        for (var i = 0; i < Posts; i++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            try
            {
                using var response = await http.PostAsync("v1/webhooks", content);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                answered401++;
            }
            catch (HttpRequestException)
            {
                // Also acceptable: the server answered 401 without reading the body and closed the connection while
                // the client was still sending it (the client may then report the reset instead of the answer).
            }
        }

        var heapAfter = SettledHeapBytes();
        Process.GetCurrentProcess().Refresh();
        var workingSetAfter = Process.GetCurrentProcess().WorkingSet64;

        output.WriteLine($"heap {heapBefore / 1024} KiB -> {heapAfter / 1024} KiB; working set {workingSetBefore / (1024 * 1024)} MB -> {workingSetAfter / (1024 * 1024)} MB; {answered401} of {Posts} answers read as 401");

        // Kept bodies would be 10 x 20 MB as UTF-16 text: 400 MB. Allow a small multiple of one pooled buffer set.
        var heapGrowth = heapAfter - heapBefore;
        Assert.True(heapGrowth < 32L * 1024 * 1024, $"managed heap grew by {heapGrowth / (1024 * 1024)} MB (before {heapBefore / (1024 * 1024)} MB)");
        var workingSetGrowth = workingSetAfter - workingSetBefore;
        Assert.True(workingSetGrowth < 256L * 1024 * 1024, $"working set grew by {workingSetGrowth / (1024 * 1024)} MB");

        // The log has every refused POST, none with a body.
        var refused = emulator.Requests.Where(r => r.StatusCode == 401).ToArray();
        Assert.Equal(1 + Posts, refused.Length);
        Assert.All(refused, r => Assert.Null(r.Body));
        Assert.Equal(1 + Posts, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));

        // Still serving.
        using var api = new EmulatorApi(emulator);
        Assert.Equal(HttpStatusCode.OK, (await api.ListWebhooksAsync()).Status);
        GC.KeepAlive(body);
    }

    private static long SettledHeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

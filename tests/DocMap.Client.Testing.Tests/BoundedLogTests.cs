using System.Net;
using System.Text;

namespace DocMap.Client.Testing.Tests;

/// <summary>The request and delivery logs keep a configured number of entries (oldest dropped) and cut long bodies.</summary>
public sealed class BoundedLogTests
{
    [Fact]
    public async Task The_request_log_keeps_the_newest_entries_while_the_counts_keep_counting()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxRequestLogEntries = 3 });
        using var api = new EmulatorApi(emulator);
        for (var i = 1; i <= 7; i++)
        {
            await api.ListDeliveriesAsync($"?limit={i}");
        }

        Assert.Equal(["?limit=5", "?limit=6", "?limit=7"], emulator.Requests.Select(r => r.Path[r.Path.IndexOf('?', StringComparison.Ordinal)..]));
        Assert.Equal(7, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
        var control = (await api.SendAsync(HttpMethod.Get, "_emulator/requests")).Data.EnumerateArray().Select(r => r.GetProperty("path").GetString()!).ToArray();
        Assert.Equal(["/v1/webhooks/deliveries?limit=7", "/v1/webhooks/deliveries?limit=6", "/v1/webhooks/deliveries?limit=5"], control);
    }

    [Fact]
    public async Task The_delivery_log_keeps_the_newest_attempts_for_both_APIs()
    {
        using var handler = new OkHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxDeliveryLogEntries = 4, DeliveryHandlerFactory = () => handler });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("http://localhost/a", "extraction.completed");
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted)).Id);
        }

        Assert.Equal(ids.Skip(2), emulator.Deliveries.Select(d => d.Id));
        Assert.Equal(ids.Skip(2).Reverse(), (await api.ListDeliveriesAsync("?limit=100")).Data.EnumerateArray().Select(d => d.GetProperty("id").GetString()!));
        Assert.Equal(ids.Skip(2).Reverse(), (await api.SendAsync(HttpMethod.Get, "_emulator/deliveries")).Data.EnumerateArray().Select(d => d.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task Bodies_and_payloads_past_the_size_are_cut_at_a_character_boundary_and_flagged()
    {
        using var handler = new OkHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxLoggedBodyBytes = 40, DeliveryHandlerFactory = () => handler });
        using var api = new EmulatorApi(emulator);
        // "é" is two bytes in UTF-8: a 40-byte cut must not leave half of one.
        var url = "http://localhost/" + string.Concat(Enumerable.Repeat("é", 30));
        var created = await api.SendAsync(HttpMethod.Post, "v1/webhooks", "{\"url\":\"" + url + "\",\"events\":[\"extraction.completed\"]}");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var small = await api.ListWebhooksAsync();
        Assert.Equal(HttpStatusCode.OK, small.Status);

        var request = emulator.Requests[0];
        Assert.True(request.BodyTruncated);
        Assert.True(Encoding.UTF8.GetByteCount(request.Body!) <= 40);
        Assert.DoesNotContain('\uFFFD', request.Body!);
        Assert.StartsWith("{\"url\":\"http://localhost/é", request.Body, StringComparison.Ordinal);
        Assert.Null(emulator.Requests[1].Body);
        Assert.False(emulator.Requests[1].BodyTruncated);

        var sent = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        Assert.False(sent.PayloadTruncated); // what TriggerAsync returns is whole
        Assert.Equal(sent.Payload, Encoding.UTF8.GetString(handler.Bodies.Single()));
        var logged = Assert.Single(emulator.Deliveries);
        Assert.True(logged.PayloadTruncated);
        Assert.Equal(sent.Payload[..logged.Payload.Length], logged.Payload);
        Assert.True(logged.Payload.Length <= 40);

        var control = Assert.Single((await api.SendAsync(HttpMethod.Get, "_emulator/deliveries")).Data.EnumerateArray());
        Assert.Equal(logged.Payload, control.GetProperty("payload").GetString());
        Assert.True(control.GetProperty("payloadTruncated").GetBoolean());
        var loggedRequest = (await api.SendAsync(HttpMethod.Get, "_emulator/requests")).Data.EnumerateArray().Last();
        Assert.True(loggedRequest.GetProperty("bodyTruncated").GetBoolean());
        Assert.Equal(request.Body, loggedRequest.GetProperty("body").GetString());
    }

    [Fact]
    public async Task A_zero_size_keeps_no_body_text_but_says_one_was_cut()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxLoggedBodyBytes = 0 });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("https://example.com/a", "extraction.completed");

        var request = Assert.Single(emulator.Requests);
        Assert.Equal("", request.Body);
        Assert.True(request.BodyTruncated);
    }

    [Fact]
    public async Task A_long_run_keeps_memory_bounded_by_the_log_sizes()
    {
        using var handler = new OkHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { MaxRequestLogEntries = 50, MaxDeliveryLogEntries = 50, DeliveryHandlerFactory = () => handler });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync("http://localhost/a", "extraction.completed");
        for (var i = 0; i < 300; i++)
        {
            await api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""");
            await api.ListDeliveriesAsync();
        }

        Assert.Equal(50, emulator.Requests.Count);
        Assert.Equal(50, emulator.Deliveries.Count);
        Assert.Equal(300, emulator.GetRequestCount(DocMapEndpoint.ListDeliveries));
        Assert.Equal(300, handler.Bodies.Count);
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<byte[]> Bodies { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Enqueue(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}

using System.Net;

namespace DocMap.Client.Testing.Tests;

/// <summary>What the emulator's texts say: a 429 and when to retry, a delivery timeout in words.</summary>
public sealed class MessageTextTests
{
    [Fact]
    public async Task A_429_with_Retry_After_reaches_the_client_as_one_sentence_saying_when_to_retry()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(2));
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 1, HttpStatusCode.TooManyRequests);
        var client = emulator.CreateClient(o => o.MaxRetries = 0);

        var timed = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var untimed = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());

        // With Retry-After the body leaves the time to the header, which the client states once.
        Assert.Equal("Usage limit exceeded.", timed.ServerMessage);
        Assert.Matches(
            @"^DocMap API GET /v1/webhooks failed with 429 \(TooManyRequests\) USAGE_LIMIT_EXCEEDED: Usage limit exceeded\. Retry after 120 seconds \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\.$",
            timed.Message);
        Assert.Equal("Usage limit exceeded. Retry later.", untimed.ServerMessage);
        Assert.Equal("DocMap API GET /v1/webhooks/deliveries failed with 429 (TooManyRequests) USAGE_LIMIT_EXCEEDED: Usage limit exceeded. Retry later.", untimed.Message);
    }

    [Fact]
    public async Task A_delivery_timeout_of_one_second_is_written_in_words_and_singular()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = TimeSpan.FromSeconds(1) });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.SlowUrl, "extraction.completed");

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal("Timed out: no response within 1 second.", result.Error);
    }
}

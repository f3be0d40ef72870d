using System.Collections.Concurrent;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Testing.Tests;

/// <summary>Deliveries into an in-memory test host through DocMapEmulatorOptions.DeliveryHandlerFactory.</summary>
public sealed class InMemoryDeliveryTests
{
    [Fact]
    public async Task Deliveries_reach_a_TestServer_app_built_after_the_emulator_started()
    {
        TestServer? server = null;
        var factoryCalls = 0;
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            DeliveryHandlerFactory = () =>
            {
                Interlocked.Increment(ref factoryCalls);
                return server!.CreateHandler();
            },
        });
        var client = emulator.CreateClient();
        var created = (await client.CreateWebhookAsync(new CreateWebhookRequest(
            "http://localhost/webhooks/docmap", [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]))).Data;

        // The app under test, configured with the secret DocMap just returned.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddDocMapWebhooks(o => o.Secrets.Add(created.Secret));
        await using var app = builder.Build();
        var handled = new ConcurrentQueue<WebhookEvent>();
        app.MapDocMapWebhooks("/webhooks/docmap", (WebhookEvent e) =>
        {
            handled.Enqueue(e);
            return Results.Ok();
        });
        await app.StartAsync();
        server = app.GetTestServer();

        var completed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var failed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));

        Assert.Equal(200, completed.HttpStatus);
        Assert.Equal(200, failed.HttpStatus);
        Assert.Equal([completed.ExtractionId, failed.ExtractionId], handled.Select(e => e.ExtractionId!));
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], handled.Select(e => e.Type));
        Assert.Equal(1, factoryCalls);
        Assert.All((await client.ListDeliveriesAsync()).Data, d => Assert.Equal(DeliveryStatus.Success, d.Status));
    }

    [Fact]
    public async Task The_factory_is_not_called_until_something_is_delivered_and_a_null_handler_is_a_clear_error()
    {
        var calls = 0;
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            DeliveryHandlerFactory = () =>
            {
                Interlocked.Increment(ref calls);
                return null!;
            },
        });

        Assert.Empty(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        Assert.Equal(0, calls);

        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest("http://localhost/x", [WebhookEventType.ExtractionCompleted]));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        Assert.Contains("DeliveryHandlerFactory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_throws_is_recorded_as_a_failed_delivery_without_a_status()
    {
        using var handler = new ThrowingHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryHandlerFactory = () => handler });
        var client = emulator.CreateClient();
        await client.CreateWebhookAsync(new CreateWebhookRequest("http://localhost/x", [WebhookEventType.ExtractionCompleted]));

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.False(result.Succeeded);
        Assert.Null(result.HttpStatus);
        Assert.Equal("receiver exploded", result.Error);
        var logged = Assert.Single((await client.ListDeliveriesAsync()).Data);
        Assert.Equal(DeliveryStatus.Failed, logged.Status);
        Assert.Equal("receiver exploded", logged.Error);
    }

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("receiver exploded");
    }
}

using DocMap.Client.Signatures;

namespace DocMap.Client.Testing.Tests;

public sealed class EmulatorDisposalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Disposing_the_emulator_mid_delivery_makes_TriggerAsync_throw_ObjectDisposedException_not_record_a_timeout()
    {
        using var handler = new StallingHandler();
        var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryHandlerFactory = () => handler });
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest("http://localhost/x", [WebhookEventType.ExtractionCompleted]));

        var trigger = emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        await handler.RequestArrived.Task.WaitAsync(Bound);
        await emulator.DisposeAsync();

        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => trigger.WaitAsync(Bound));
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delivery_client_created_while_the_emulator_is_being_disposed_is_not_used_and_TriggerAsync_throws()
    {
        using var factoryEntered = new ManualResetEventSlim();
        using var disposed = new ManualResetEventSlim();
        using var handler = new StallingHandler();
        var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            DeliveryHandlerFactory = () =>
            {
                // Hold the creation of the delivery client until DisposeAsync has run.
                factoryEntered.Set();
                Assert.True(disposed.Wait(Bound), "DisposeAsync did not run");
                return handler;
            },
        });
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest("http://localhost/x", [WebhookEventType.ExtractionCompleted]));

        var trigger = Task.Run(() => emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        Assert.True(factoryEntered.Wait(Bound), "the handler factory was not called");
        await emulator.DisposeAsync().AsTask().WaitAsync(Bound);
        disposed.Set();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => trigger.WaitAsync(Bound));
        // The client created after disposal was never used to deliver.
        Assert.False(handler.RequestArrived.Task.IsCompleted);
    }

    /// <summary>Accepts a delivery and never answers until cancelled.</summary>
    private sealed class StallingHandler : HttpMessageHandler
    {
        public TaskCompletionSource RequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            RequestArrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
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

    [Fact]
    public async Task A_second_concurrent_DisposeAsync_completes_only_once_the_emulator_has_stopped_and_released_its_port()
    {
        // `await using` plus an explicit DisposeAsync, or a fixture and a test disposing at once: the call that does not
        // stop the emulator itself must not return while the other one still drains requests (the port is still taken).
        var emulator = DocMapEmulator.Start();
        var port = emulator.Url.Port;
        using var stalled = new TcpClient();
        await stalled.ConnectAsync(emulator.Url.Host, port);
        var head = $"POST /v1/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {emulator.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{";
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head)); // the body never comes: a stop drains it

        var first = emulator.DisposeAsync().AsTask();
        var second = emulator.DisposeAsync().AsTask();

        Assert.False(second.IsCompleted && !first.IsCompleted, "the second DisposeAsync returned while the first was still stopping the emulator");
        stalled.Dispose(); // the stalled request ends, and with it the stop
        await Task.WhenAll(first, second).WaitAsync(Bound);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start(); // the port is free
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

using System.Diagnostics;
using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>Graceful stop: nothing new is taken, running handlers may finish within the shutdown timeout, then their leases go back.</summary>
public sealed class InboxShutdownTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static void MapGatedIgnoringCancellation(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, Recorder recorder, HandlerGate gate, CancellationToken cancellationToken) =>
        {
            await gate.PassAsync(webhook.ExtractionId!, cancellationToken, honourCancellation: false);
            recorder.Events.Enqueue(webhook);
        });

    private static Action<WebApplicationBuilder> ShutdownTimeout(TimeSpan timeout) =>
        b => b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);

    [Fact]
    public async Task A_handler_that_finishes_within_the_shutdown_timeout_completes_and_nothing_new_is_leased()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapGated, o => o.MaxConcurrency = 1, store, configure: ShutdownTimeout(TimeSpan.FromSeconds(30)));
        try
        {
            using (var first = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_finishing"), Secret)))
            using (var second = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_waiting"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, first);
                await HttpAssert.StatusAsync(HttpStatusCode.OK, second);
            }

            await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the first handler runs");
            var stopping = host.App.StopAsync();
            await Eventually.TrueAsync(() => host.Worker().Stopping, "the inbox is stopping");
            await Task.Delay(300);
            Assert.False(stopping.IsCompleted, "the stop waits for the running handler");
            var leasesBefore = store.Count("Lease");

            host.Gate().Open();
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Empty(host.Gate().Cancelled);
            Assert.Equal(InboxMessageState.Completed, (await store.RecordAsync("ext_finishing")).State);
            var waiting = await store.RecordAsync("ext_waiting");
            Assert.Equal(InboxMessageState.Queued, waiting.State); // never taken: nothing new after the stop began
            Assert.Equal(0, waiting.Attempts);
            Assert.Equal(leasesBefore, store.Count("Lease"));
            Assert.Equal(0, store.Count("Release"));
        }
        finally
        {
            await host.App.DisposeAsync();
            host.Client.Dispose();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_the_shutdown_timeout_handlers_are_cancelled_and_their_leases_released_so_a_restart_takes_them_at_once(bool handlerHonoursCancellation)
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        var host = await InboxHosts.StartAsync(
            SecretText,
            handlerHonoursCancellation ? InboxAcceptTests.MapGated : MapGatedIgnoringCancellation,
            o => o.LeaseDuration = TimeSpan.FromMinutes(10),
            store,
            configure: ShutdownTimeout(TimeSpan.FromSeconds(1)));
        try
        {
            using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_stuck"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            }

            await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");
            Assert.Equal(InboxMessageState.Running, (await store.RecordAsync("ext_stuck")).State);
            var clock = Stopwatch.StartNew();

            await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {clock.Elapsed}");
            var record = await store.RecordAsync("ext_stuck");
            Assert.Equal(InboxMessageState.Queued, record.State);
            Assert.Equal(0, record.Attempts); // the interrupted attempt does not count
            Assert.Equal(1, store.Count("Release"));
            if (handlerHonoursCancellation)
            {
                await Eventually.TrueAsync(() => host.Gate().Cancelled.Count == 1, "the handler's token was cancelled");
            }

            var released = Assert.Single(host.LogsWithId(4019));
            Assert.Contains("1 handler(s) did not finish", released.Message, StringComparison.Ordinal);
            Assert.Contains("1 lease(s) handed back", released.Message, StringComparison.Ordinal);

            // The restart (or another instance) takes it at once, without waiting 10 minutes for the lease.
            await using var restarted = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, store: store);
            var done = await store.WaitForAsync("ext_stuck", r => r.State == InboxMessageState.Completed, "handled after the restart", timeout: TimeSpan.FromSeconds(20));
            Assert.Equal(1, done.Attempts);
            Assert.Equal("ext_stuck", Assert.Single(restarted.Recorder.Events).ExtractionId);
        }
        finally
        {
            host.Gate().Open(); // a handler that ignored its token may end now
            await host.App.DisposeAsync();
            host.Client.Dispose();
        }
    }

    [Fact]
    public async Task After_the_shutdown_timeout_a_handler_whose_token_callback_throws_still_has_its_lease_released()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        var host = await InboxHosts.StartAsync(
            SecretText,
            InboxAcceptTests.MapGatedWithThrowingTokenCallback,
            o => o.LeaseDuration = TimeSpan.FromMinutes(10),
            store,
            configure: ShutdownTimeout(TimeSpan.FromSeconds(1)));
        try
        {
            using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throwing_callback"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            }

            await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");

            await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

            var record = await store.RecordAsync("ext_throwing_callback");
            Assert.Equal(InboxMessageState.Queued, record.State);
            Assert.Equal(0, record.Attempts);
            Assert.Equal(1, store.Count("Release"));
            Assert.Contains("1 lease(s) handed back", Assert.Single(host.LogsWithId(4019)).Message, StringComparison.Ordinal);
        }
        finally
        {
            await host.App.DisposeAsync();
            host.Client.Dispose();
        }
    }

    [Fact]
    public async Task A_host_stopped_again_after_it_was_disposed_stops_without_an_error()
    {
        // What WebApplicationFactory does to a minimal-hosting app: its StopAsync and the app's own Run stop the host at
        // the same time, and Run disposes the host while the factory's StopAsync still goes through the hosted services.
        // This failed the template's tests in CI with ObjectDisposedException from the inbox worker's StopAsync.
        var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording);
        using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_before_stop"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await Eventually.TrueAsync(() => host.Recorder.Events.Count == 1, "the delivery is handled");
        var worker = host.Worker();
        host.Client.Dispose();

        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.App.DisposeAsync();

        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        worker.Dispose(); // twice: the host disposed it already
    }

    [Fact]
    public async Task Concurrent_stops_and_a_dispose_in_the_middle_all_end_without_an_error()
    {
        for (var round = 0; round < 20; round++)
        {
            var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording);
            host.Client.Dispose();
            var worker = host.Worker();

            var stops = new[] { Task.Run(() => host.App.StopAsync()), Task.Run(() => host.App.StopAsync()), Task.Run(() => worker.StopAsync(CancellationToken.None)) };
            await Task.WhenAny(stops);
            await host.App.DisposeAsync();

            await Task.WhenAll(stops).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task A_worker_disposed_without_being_stopped_ends_its_loops_and_a_later_stop_returns_at_once()
    {
        var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording);
        try
        {
            var worker = host.Worker();

            worker.Dispose();

            Assert.True(worker.Stopping, "disposing signals the loops to end");
            var clock = Stopwatch.StartNew();
            await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop after a dispose took {clock.Elapsed}");
        }
        finally
        {
            await host.App.DisposeAsync();
            host.Client.Dispose();
        }
    }
}

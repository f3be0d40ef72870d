using System.Net;
using System.Net.Sockets;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using DocMap.Client.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>Reconciliation from DocMap's delivery log, against the DocMap emulator.</summary>
public sealed class InboxReconciliationTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Action<WebApplicationBuilder> Reconciling(DocMapEmulator emulator, Action<DocMapWebhookReconciliationOptions>? options = null, int? port = null) => b =>
    {
        b.Services.AddDocMapClient(o =>
        {
            o.ApiKey = emulator.ApiKey;
            o.BaseAddress = emulator.Url;
        });
        b.Services.AddScoped<GatedHandler>();
        b.Services.AddDocMapWebhookInbox().AddReconciliation(o =>
        {
            o.Interval = TimeSpan.FromSeconds(1);
            options?.Invoke(o);
        });
        if (port is not null)
        {
            b.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
    };

    private static void MapClass(WebApplication app) => app.MapDocMapWebhooks<GatedHandler>(Deliveries.Path);

    [Fact]
    public async Task A_delivery_to_a_receiver_that_was_down_is_handled_as_missed_once_even_with_two_instances_polling()
    {
        await using var emulator = DocMapEmulator.Start();
        var port = FreePort();
        emulator.RegisterWebhook($"http://127.0.0.1:{port}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed);
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}/elsewhere", Secret, WebhookEventType.ExtractionFailed);

        // The receiver is down: the delivery fails (no response), and DocMap never retries it.
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_missed" }));
        Assert.False(down.Succeeded);

        // Two instances come up on one shared store, both reconciling every second (their clock is a minute ahead, so the
        // failed delivery is past the reconciler's minimum age at once; polls happen when the test moves the clock).
        var store = InboxAcceptTests.NewMemoryStore();
        var time = AheadOfDocMap();
        await using var first = await InboxHosts.StartAsync(SecretText, MapClass, store: store, time: time, configure: Reconciling(emulator, port: port));
        await using var second = await InboxHosts.StartAsync(SecretText, MapClass, store: store, time: time, configure: Reconciling(emulator));
        await Eventually.TrueAsync(() => first.Recorder.Calls.Count + second.Recorder.Calls.Count >= 1, "the missed delivery is handled");
        await Eventually.TrueAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 2, "both instances made their first poll");

        // A delivery that failed to one webhook but reached the inbox through another is not missed.
        var both = await emulator.TriggerAsync(WebhookEventType.ExtractionFailed, new ExtractionRecord { Id = "ext_reached" });
        Assert.Equal([true, false], both.Select(d => d.Succeeded).ToArray());

        var polls = emulator.GetRequestCount(DocMapEndpoint.ListDeliveries);
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= polls + 6; }, "both instances poll three more times");
        await Eventually.TrueAsync(() => first.Counters().Completed + second.Counters().Completed == 2, $"both messages completed: {string.Join(", ", first.Recorder.Calls.Concat(second.Recorder.Calls))}; {first.Counters().Completed}+{second.Counters().Completed}; {string.Join(" / ", first.Logs.GetSnapshot().Concat(second.Logs.GetSnapshot()).Where(r => r.Level >= LogLevel.Warning).Select(r => r.Message))}");

        var calls = first.Recorder.Calls.Concat(second.Recorder.Calls).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["failed:ext_reached", $"missed:{down.Id}:extraction.completed:ext_missed:none"], calls);
        var warnings = first.LogsWithId(4020).Concat(second.LogsWithId(4020)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(down.Id, warning.GetStructuredStateValue("DeliveryId"));
        Assert.Equal("ext_missed", warning.GetStructuredStateValue("ExtractionId"));
        Assert.Equal(1, first.Counters().MissedDeliveries + second.Counters().MissedDeliveries);
        var record = await store.GetAsync(InboxMessageIds.ForMissedDelivery(down.Id), default);
        Assert.Equal(InboxMessageKind.MissedDelivery, record!.Message.Kind);
        Assert.Equal(Deliveries.Path, record.Message.Endpoint);
        Assert.Equal(InboxMessageState.Completed, record.State);
    }

    public sealed class MissedProbe
    {
        public List<string> Seen { get; } = [];
    }

    [Fact]
    public async Task A_delegate_endpoints_missed_delivery_handler_binds_the_delivery_services_and_token()
    {
        await using var emulator = DocMapEmulator.Start();
        var webhookId = emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionFailed);
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed, new ExtractionRecord { Id = "ext_delegate", Status = "failed" }));

        await using var host = await InboxHosts.StartAsync(
            SecretText,
            time: AheadOfDocMap(),
            map: app => app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent e) => { })
                .OnDocMapMissedDelivery((WebhookDelivery delivery, MissedProbe probe, IServiceProvider services, CancellationToken cancellationToken) =>
                {
                    lock (probe.Seen)
                    {
                        probe.Seen.Add($"{delivery.Id}|{delivery.WebhookId}|{delivery.Event}|{delivery.ExtractionId}|{delivery.Status}|{delivery.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}|{delivery.Url}|{delivery.CreatedAt:O}|{cancellationToken.CanBeCanceled}|{ReferenceEquals(services.GetRequiredService<WebhookDelivery>(), delivery)}");
                    }
                }),
            configure: b =>
            {
                Reconciling(emulator, o => o.WebhookId = webhookId)(b);
                b.Services.AddSingleton<MissedProbe>();
            });

        var probe = host.App.Services.GetRequiredService<MissedProbe>();
        await Eventually.TrueAsync(() => { lock (probe.Seen) { return probe.Seen.Count == 1; } }, "the missed-delivery delegate ran");
        var logged = (await emulator.CreateClient().ListDeliveriesAsync(webhookId)).Data.Single();
        Assert.Equal(
            $"{down.Id}|{webhookId}|extraction.failed|ext_delegate|failed|null|{logged.Url}|{logged.CreatedAt:O}|True|True",
            probe.Seen.Single());
    }

    [Fact]
    public async Task A_whole_page_newer_than_the_previous_poll_warns_that_deliveries_may_have_been_missed()
    {
        await using var emulator = DocMapEmulator.Start();
        var time = AheadOfDocMap();
        await using var host = await InboxHosts.StartAsync(SecretText, MapClass, time: time, configure: Reconciling(emulator, o => o.Interval = TimeSpan.FromMinutes(1)));
        await Eventually.TrueAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) == 1, "the first poll, at start, sees an empty log");

        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        for (var i = 0; i < InboxReconciler.PageSize + 5; i++)
        {
            await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = $"ext_burst{i:D3}" });
        }

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMinutes(1)); return host.LogsWithId(4021).Count == 1; }, "the page-full warning");
        var warning = host.LogsWithId(4021)[0];
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("deliveries in between may have been missed", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Reconciliation:Interval shorter than 00:01:00", warning.Message, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => host.Counters().MissedDeliveries == InboxReconciler.PageSize, "the 100 deliveries it saw are queued as missed");

        // The next poll overlaps the previous one: no new warning.
        // (The clock moves on until the poll is seen: a single step can land before the reconciler waits for its next
        // interval, and then no poll would ever come.)
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMinutes(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 3; }, "a third poll");
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMinutes(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 4; }, "a fourth poll (the third has finished)");
        Assert.Single(host.LogsWithId(4021));
        Assert.Equal(InboxReconciler.PageSize, host.Counters().MissedDeliveries);
    }

    [Fact]
    public async Task With_a_webhook_id_only_that_webhooks_failed_deliveries_are_reconciled()
    {
        // Two webhooks of one account, both down, both pointing at a path this app maps: without the filter the app's
        // single endpoint would be handed the other webhook's failure too.
        await using var emulator = DocMapEmulator.Start();
        var mine = emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionFailed);
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_mine" }));
        Assert.False(Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed, new ExtractionRecord { Id = "ext_theirs", Status = "failed" })).Succeeded);

        var time = AheadOfDocMap();
        await using var host = await InboxHosts.StartAsync(SecretText, MapClass, time: time, configure: Reconciling(emulator, o => o.WebhookId = mine));
        await Eventually.TrueAsync(() => host.Recorder.Calls.Count >= 1, "this webhook's missed delivery is handled");
        var polls = emulator.GetRequestCount(DocMapEndpoint.ListDeliveries);
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= polls + 3; }, "three more polls");
        await Eventually.TrueAsync(async () => (await host.Store().GetStatsAsync(default)) is { Queued: 0, Running: 0 }, "nothing left to run");

        Assert.Equal([$"missed:{down.Id}:extraction.completed:ext_mine:none"], host.Recorder.Calls.ToArray());
        Assert.Equal(1, host.Counters().MissedDeliveries);
    }

    [Fact]
    public async Task Deliveries_older_than_the_retention_are_ignored()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        Assert.False(Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_old" })).Succeeded);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        await using var host = await InboxHosts.StartAsync(SecretText, MapClass, time: time, configure: Reconciling(emulator));
        await Eventually.TrueAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 1, "a poll");
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 2; }, "a second poll (the first has finished)");

        Assert.Equal(0, host.Counters().MissedDeliveries);
        Assert.Empty(host.Recorder.Calls);
    }

    [Fact]
    public async Task A_failed_poll_is_logged_and_the_next_one_reconciles()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_after_failure" });
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 1, HttpStatusCode.Unauthorized);

        var time = AheadOfDocMap();
        await using var host = await InboxHosts.StartAsync(SecretText, MapClass, time: time, configure: Reconciling(emulator));

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return host.Recorder.Calls.Count == 1; }, "the second poll finds the missed delivery");
        var failure = Assert.Single(host.LogsWithId(4022));
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Contains("DocMap.Client.DocMapApiException", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(emulator.ApiKey, string.Join("\n", host.Logs.GetSnapshot().Select(r => r.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_delivery_is_reconciled_only_once_it_is_old_enough_for_a_concurrent_delivery_to_have_landed()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await InboxHosts.StartAsync(SecretText, MapClass, time: time, configure: Reconciling(emulator));
        await Eventually.TrueAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 1, "the first poll");
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_young" }));

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 4; }, "polls while it is young");
        Assert.True(time.GetUtcNow() - down.CreatedAt < InboxReconciler.MinimumAge);
        Assert.Empty(host.Recorder.Calls);

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return host.Recorder.Calls.Count == 1; }, "reconciled once old enough");
        Assert.True(time.GetUtcNow() - down.CreatedAt >= InboxReconciler.MinimumAge);
    }

    /// <summary>A clock a minute ahead of the emulator's, so its failed deliveries are past the reconciler's minimum age.</summary>
    private static FakeTimeProvider AheadOfDocMap() => new(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Reconciliation_without_the_DocMap_client_fails_at_start_naming_AddDocMapClient()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InboxHosts.StartAsync(
            SecretText, MapClass, configure: b => b.Services.AddDocMapWebhookInbox().AddReconciliation()));
        Assert.Contains("services.AddDocMapClient(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_with_reconciliation_stopped_again_after_it_was_disposed_stops_without_an_error()
    {
        // WebApplicationFactory stops a minimal-hosting app twice at once and disposes it during the second stop.
        await using var emulator = DocMapEmulator.Start();
        var host = await InboxHosts.StartAsync(SecretText, MapClass, configure: Reconciling(emulator));
        host.Client.Dispose();
        await Eventually.TrueAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 1, "the first poll");

        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await host.App.DisposeAsync();

        await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
}

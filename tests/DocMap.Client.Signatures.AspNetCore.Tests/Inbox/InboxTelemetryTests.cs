using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using DocMap.Client.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>
/// The inbox's telemetry on real Kestrel hosts with the OpenTelemetry SDK (in-memory exporters) and MetricCollector:
/// the accept path's outcomes, a span per processing attempt linked to the accepting span, the attempts and
/// missed-deliveries counters, the reconciliation poll's span, and the gauges read from a cache of the store's counts.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class InboxTelemetryTests
{
    private static readonly string SecretText = InboxTelemetryTestsSecret.Value;
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);
    private static readonly ActivitySource HandlerSource = new("DocMap.Tests.Inbox.Handler");

    private static void MapWithHandlerSpan(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) =>
        {
            using (HandlerSource.StartActivity("inbox-handler-work"))
            {
                recorder.Events.Enqueue(webhook);
            }

            if (webhook.ExtractionId!.StartsWith("ext_fail", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("handler failure BODY-MARKER");
            }
        });

    [Fact]
    public async Task An_attempt_is_a_Consumer_span_linked_to_the_accepting_span_with_the_handler_inside_and_is_counted()
    {
        await using var host = await InboxTelemetryHost.StartAsync(MapWithHandlerSpan);
        var id = InboxMessageIds.ForEvent("extraction.completed", "ext_linked")!;

        using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_linked"), Secret));

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        var spans = await host.WaitForSpansAsync(s => s.Any(a => a.DisplayName == "inbox-handler-work") && s.Any(a => IsAttemptOf(a, id)) && s.Any(a => a.DisplayName == "ReceiveWebhook" && a.TraceId == host.RootTraceId));
        var request = Assert.Single(spans, a => a.Source.Name == "Microsoft.AspNetCore" && a.TraceId == host.RootTraceId);
        var receive = Assert.Single(spans, a => a.DisplayName == "ReceiveWebhook" && a.TraceId == host.RootTraceId);
        Assert.Equal(request.SpanId, receive.ParentSpanId);
        Assert.Equal("verified", receive.GetTagItem("docmap.webhook.outcome"));

        // The message names the accepting span (ReceiveWebhook, current while the store recorded it).
        var record = await host.Host.Store().GetAsync(id, default);
        Assert.Equal(receive.Id, record!.Message.TraceParent);

        var attempt = Assert.Single(spans, a => IsAttemptOf(a, id));
        Assert.Equal("ProcessWebhook", attempt.DisplayName);
        Assert.Equal(ActivityKind.Consumer, attempt.Kind);
        Assert.Equal(default, attempt.ParentSpanId); // a root: the request's trace ended with the 200
        Assert.NotEqual(host.RootTraceId, attempt.TraceId);
        var link = Assert.Single(attempt.Links);
        Assert.Equal(receive.TraceId, link.Context.TraceId);
        Assert.Equal(receive.SpanId, link.Context.SpanId);
        Assert.Equal(ActivityStatusCode.Unset, attempt.Status);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.webhook.inbox.message_id"] = id,
                ["docmap.webhook.inbox.attempt"] = 1,
                ["docmap.webhook.inbox.kind"] = "delivery",
                ["docmap.webhook.event"] = "extraction.completed",
                ["docmap.extraction.id"] = "ext_linked",
                ["docmap.webhook.outcome"] = "completed",
            },
            Tags.Of(attempt));
        Assert.Equal(attempt.SpanId, Assert.Single(spans, a => a.DisplayName == "inbox-handler-work").ParentSpanId);

        var counted = Assert.Single(await host.Attempts.WaitAsync(1));
        Assert.Equal(1, counted.Value);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "completed", ["docmap.webhook.inbox.kind"] = "delivery", ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(counted.Tags));
        Assert.Equal("{attempt}", host.Attempts.Instrument!.Unit);
        var accepted = Assert.Single(await host.Deliveries.WaitAsync(1));
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "verified", ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(accepted.Tags));
    }

    [Fact]
    public async Task A_failing_handler_is_a_retry_then_dead_lettered_with_Error_status_and_its_type_never_its_message()
    {
        await using var host = await InboxTelemetryHost.StartAsync(MapWithHandlerSpan, o =>
        {
            o.MaxAttempts = 2;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(10);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        });
        var id = InboxMessageIds.ForEvent("extraction.completed", "ext_fail_twice")!;

        using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_fail_twice"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var spans = await host.WaitForSpansAsync(s => s.Count(a => IsAttemptOf(a, id)) == 2);
        var attempts = spans.Where(a => IsAttemptOf(a, id)).OrderBy(a => (int)a.GetTagItem("docmap.webhook.inbox.attempt")!).ToList();
        Assert.Equal(["retry", "dead_lettered"], attempts.Select(a => (string)a.GetTagItem("docmap.webhook.outcome")!));
        Assert.Equal([1, 2], attempts.Select(a => (int)a.GetTagItem("docmap.webhook.inbox.attempt")!));
        Assert.All(attempts, a =>
        {
            Assert.Equal(ActivityStatusCode.Error, a.Status);
            Assert.Equal("System.InvalidOperationException", a.GetTagItem("error.type"));
            Assert.Empty(a.Events); // the exception's message could quote the body
            Assert.DoesNotContain(TelemetryHost.TextsOf(a), t => t.Contains("BODY-MARKER", StringComparison.Ordinal) || t.Contains("handler failure", StringComparison.Ordinal));
        });

        var counted = await host.Attempts.WaitAsync(2);
        Assert.Equal(
            ["dead_lettered", "retry"],
            counted.Select(m => (string)m.Tags["docmap.webhook.outcome"]!).Order(StringComparer.Ordinal));
        Assert.All(counted, m => Assert.Equal("System.InvalidOperationException", m.Tags["error.type"]));

        // No id of any kind on a metric: only bounded tags, whatever the exporter sees.
        foreach (var metric in host.ExportedMetrics())
        {
            Assert.DoesNotContain(TelemetryHost.TextsOf(metric), t => t.Contains(id, StringComparison.Ordinal) || t.Contains("ext_fail_twice", StringComparison.Ordinal) || t.Contains(SecretText, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_attempt_past_HandlerTimeout_is_a_retry_with_error_type_System_TimeoutException()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        await using var host = await InboxTelemetryHost.StartAsync(InboxAcceptTests.MapGated, o => o.HandlerTimeout = TimeSpan.FromSeconds(30), time: time);
        var id = InboxMessageIds.ForEvent("extraction.completed", "ext_timed_out")!;
        using (var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_timed_out"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await Eventually.TrueAsync(() => host.Host.Gate().Entered.Count == 1, "the handler runs");
        time.Advance(TimeSpan.FromSeconds(30));

        var spans = await host.WaitForSpansAsync(s => s.Any(a => IsAttemptOf(a, id)));
        var attempt = Assert.Single(spans, a => IsAttemptOf(a, id));
        Assert.Equal("retry", attempt.GetTagItem("docmap.webhook.outcome"));
        Assert.Equal("System.TimeoutException", attempt.GetTagItem("error.type")); // not the handler's TaskCanceledException
        Assert.Equal(ActivityStatusCode.Error, attempt.Status);
        var counted = Assert.Single(await host.Attempts.WaitAsync(1));
        Assert.Equal("retry", counted.Tags["docmap.webhook.outcome"]);
        Assert.Equal("System.TimeoutException", counted.Tags["error.type"]);
    }

    [Fact]
    public async Task A_lost_lease_is_outcome_lease_lost_and_an_attempt_stopped_by_shutdown_is_cancelled()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        var lostId = InboxMessageIds.ForEvent("extraction.completed", "ext_lost")!;
        var stoppedId = InboxMessageIds.ForEvent("extraction.completed", "ext_stopped")!;
        var host = await InboxTelemetryHost.StartAsync(
            InboxAcceptTests.MapGated,
            o => o.LeaseDuration = TimeSpan.FromSeconds(3),
            store,
            time,
            b => b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        try
        {
            using (var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_lost"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            }

            await Eventually.TrueAsync(() => host.Host.Gate().Entered.Count == 1, "the handler runs");
            store.RefuseRenewals = true;
            await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return host.Host.Gate().Cancelled.Count == 1; }, "the lease is lost");
            var lost = Assert.Single(await host.WaitForSpansAsync(s => s.Any(a => IsAttemptOf(a, lostId))), a => IsAttemptOf(a, lostId));
            Assert.Equal("lease_lost", lost.GetTagItem("docmap.webhook.outcome"));
            Assert.Equal(ActivityStatusCode.Error, lost.Status);
            Assert.Equal("System.Threading.Tasks.TaskCanceledException", lost.GetTagItem("error.type"));

            store.RefuseRenewals = false;
            using (var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_stopped"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            }

            await Eventually.TrueAsync(() => host.Host.Gate().Entered.Count >= 2, "the second handler runs");
            await host.Host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var stopped = Assert.Single(await host.WaitForSpansAsync(s => s.Any(a => IsAttemptOf(a, stoppedId))), a => IsAttemptOf(a, stoppedId));
            Assert.Equal("cancelled", stopped.GetTagItem("docmap.webhook.outcome"));
            Assert.Equal(ActivityStatusCode.Unset, stopped.Status); // a graceful stop is not an error
            Assert.Null(stopped.GetTagItem("error.type"));

            var counted = await host.Attempts.WaitAsync(2);
            Assert.Contains(counted, m => (string?)m.Tags["docmap.webhook.outcome"] == "lease_lost");
            Assert.Contains(counted, m => (string?)m.Tags["docmap.webhook.outcome"] == "cancelled" && !m.Tags.ContainsKey("error.type"));
        }
        finally
        {
            host.Host.Gate().Open();
            await host.DisposeAsync();
        }
    }

    public static TheoryData<string, string, string> AcceptOutcomes() => new()
    {
        // name, the delivery's outcome, its error.type ("" for none)
        { "duplicate", "duplicate", string.Empty },
        { "store_fails", "unavailable", "System.InvalidOperationException" },
        { "store_hangs", "unavailable", "timeout" },
    };

    [Theory]
    [MemberData(nameof(AcceptOutcomes))]
    public async Task The_accept_path_ends_the_delivery_as_duplicate_or_unavailable(string name, string outcome, string errorType)
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        await using var host = await InboxTelemetryHost.StartAsync(InboxAcceptTests.MapRecording, o => o.AcceptTimeout = TimeSpan.FromMilliseconds(300), store);
        var body = Deliveries.Body("ext_accept_" + name);
        if (name == "duplicate")
        {
            using var first = await host.SendAsync(Deliveries.Signed(body, Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, first);
            await host.Deliveries.WaitAsync(1);
        }
        else if (name == "store_fails")
        {
            store.Fault = op => op == "TryAccept" ? new InvalidOperationException("store down, password=hunter2") : null;
        }
        else
        {
            store.HangAccepts = true;
        }

        using var response = await host.SendAsync(Deliveries.Signed(body, Secret));

        Assert.Equal(name == "duplicate" ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var counted = (await host.Deliveries.WaitAsync(name == "duplicate" ? 2 : 1))[^1];
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = outcome, ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(counted.Tags));
        var spans = await host.WaitForSpansAsync(s => s.Count(a => a.DisplayName == "ReceiveWebhook" && a.TraceId == host.RootTraceId) == (name == "duplicate" ? 2 : 1));
        var receive = spans.Where(a => a.DisplayName == "ReceiveWebhook" && a.TraceId == host.RootTraceId).OrderBy(a => a.StartTimeUtc).Last();
        Assert.Equal(outcome, receive.GetTagItem("docmap.webhook.outcome"));
        if (errorType.Length == 0)
        {
            Assert.Equal(ActivityStatusCode.Unset, receive.Status);
            Assert.Null(receive.GetTagItem("error.type"));
        }
        else
        {
            Assert.Equal(ActivityStatusCode.Error, receive.Status);
            Assert.Equal(errorType, receive.GetTagItem("error.type"));
            Assert.DoesNotContain(TelemetryHost.TextsOf(receive), t => t.Contains("hunter2", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_missed_delivery_is_counted_and_its_attempt_links_to_the_reconciliation_poll_that_found_it()
    {
        await using var emulator = DocMapEmulator.Start();
        emulator.RegisterWebhook($"http://127.0.0.1:{FreePort()}{Deliveries.Path}", Secret, WebhookEventType.ExtractionCompleted);
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_tel_missed" }));
        Assert.False(down.Succeeded);
        var id = InboxMessageIds.ForMissedDelivery(down.Id);

        await using var host = await InboxTelemetryHost.StartAsync(
            app => app.MapDocMapWebhooks<GatedHandler>(Deliveries.Path),
            time: new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1)),
            configure: b =>
            {
                b.Services.AddDocMapClient(o =>
                {
                    o.ApiKey = emulator.ApiKey;
                    o.BaseAddress = emulator.Url;
                });
                b.Services.AddScoped<GatedHandler>();
                b.Services.AddDocMapWebhookInbox().AddReconciliation(o => o.Interval = TimeSpan.FromMinutes(10));
            });

        var spans = await host.WaitForSpansAsync(s => s.Any(a => IsAttemptOf(a, id)), everyTrace: true);
        var attempt = Assert.Single(spans, a => IsAttemptOf(a, id));
        Assert.Equal("ProcessMissedDelivery", attempt.DisplayName);
        Assert.Equal(ActivityKind.Consumer, attempt.Kind);
        Assert.Equal("missed", attempt.GetTagItem("docmap.webhook.inbox.kind"));
        Assert.Equal("completed", attempt.GetTagItem("docmap.webhook.outcome"));
        Assert.Equal("ext_tel_missed", attempt.GetTagItem("docmap.extraction.id"));
        var poll = Assert.Single(spans, a => a.DisplayName == "ReconcileDeliveries" && a.GetTagItem("docmap.webhook.inbox.missed_count") is 1);
        Assert.Equal(ActivityKind.Internal, poll.Kind);
        Assert.Equal(poll.SpanId, Assert.Single(attempt.Links).Context.SpanId);
        Assert.Contains(spans, a => a.DisplayName == "ListDeliveries" && a.Source.Name == DocMapTelemetry.ActivitySourceName && a.ParentSpanId == poll.SpanId);

        var missed = Assert.Single(await host.MissedDeliveries.WaitAsync(1));
        Assert.Equal(1, missed.Value);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(missed.Tags));
        Assert.Equal("{delivery}", host.MissedDeliveries.Instrument!.Unit);
        var counted = Assert.Single(await host.Attempts.WaitAsync(1));
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "completed", ["docmap.webhook.inbox.kind"] = "missed", ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(counted.Tags));
    }

    [Fact]
    public async Task The_gauges_report_the_stores_counts_from_a_cache_that_asks_the_store_at_most_once_per_interval()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        await store.TryAcceptAsync(InboxMessages.Delivery("ext_gauge_dead", TimeProvider.System, endpoint: "/webhooks/unmapped"), default);
        await using var host = await InboxTelemetryHost.StartAsync(InboxAcceptTests.MapGated, o => o.MaxConcurrency = 1, store);
        foreach (var extractionId in new[] { "ext_gauge_run", "ext_gauge_q1", "ext_gauge_q2" })
        {
            using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body(extractionId), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
            if (extractionId == "ext_gauge_run")
            {
                await Eventually.TrueAsync(() => host.Host.Gate().Entered.Count == 1, "the first handler runs");
            }
        }

        await store.WaitForAsync("ext_gauge_dead", r => r.State == InboxMessageState.DeadLettered, "the unmapped message is dead-lettered");
        using var queued = new MetricCollector<long>(host.MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.queued");
        using var running = new MetricCollector<long>(host.MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.running");
        using var dead = new MetricCollector<long>(host.MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.dead_lettered");
        await Eventually.TrueAsync(
            () =>
            {
                queued.RecordObservableInstruments();
                running.RecordObservableInstruments();
                dead.RecordObservableInstruments();
                return queued.LastMeasurement?.Value == 2 && running.LastMeasurement?.Value == 1 && dead.LastMeasurement?.Value == 1;
            },
            "the gauges show 2 queued, 1 running, 1 dead-lettered (refreshed within 5 seconds)");
        Assert.Equal("{message}", queued.Instrument!.Unit);
        Assert.Empty(queued.LastMeasurement!.Tags);

        // However often listeners collect, the store is asked at most once per refresh interval.
        var before = store.Count("GetStats");
        for (var i = 0; i < 200; i++)
        {
            queued.RecordObservableInstruments();
            running.RecordObservableInstruments();
            dead.RecordObservableInstruments();
        }

        Assert.InRange(store.Count("GetStats") - before, 0, 1);
        Assert.Equal(2, queued.LastMeasurement!.Value);
        host.Host.Gate().Open();
    }

    [Fact]
    public async Task A_store_that_fails_after_a_gauge_refresh_gave_up_on_it_raises_no_unobserved_task_exception()
    {
        var marker = "late gauge failure " + Guid.NewGuid();
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore()) { HangStats = true };
        var time = new FakeTimeProvider(InboxMessages.Start);
        var cache = new InboxStatsCache(store, time);

        var unobserved = await UnobservedExceptions.ReportedAsync(marker, async () =>
        {
            Assert.Null(cache.Current());
            await Eventually.TrueAsync(() => store.Count("GetStats") == 1, "the background refresh asks the store");
            // The refresh's bound is set just after the store call starts (which the count above shows): the clock moves
            // until it has passed, whenever the bound was set.
            time.Advance(InboxStatsCache.RefreshTimeout);
            await Eventually.TrueAsync(
                () =>
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                    return cache.Current() is null && cache.Refreshes == 2;
                },
                "the refresh gave up on the store, and the next one starts");
            store.FailHungCalls(new InvalidOperationException(marker));
        });

        Assert.Empty(unobserved);
    }

    [Fact]
    public async Task A_store_that_hangs_never_blocks_a_collection_and_nobody_listening_means_no_store_call_and_no_span()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore()) { HangStats = true };
        await using (var host = await InboxTelemetryHost.StartAsync(InboxAcceptTests.MapRecording, store: store))
        {
            using var queued = new MetricCollector<long>(host.MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.queued");
            var collecting = Task.Run(() =>
            {
                for (var i = 0; i < 50; i++)
                {
                    queued.RecordObservableInstruments();
                }
            });
            await collecting.WaitAsync(TimeSpan.FromSeconds(20)); // a collection that waited for the store would never end
            Assert.Null(queued.LastMeasurement); // nothing known yet: no value rather than a made-up one
            await Eventually.TrueAsync(() => store.Count("GetStats") >= 1, "the background refresh asks the store");
            Assert.InRange(store.Count("GetStats"), 1, 2); // one refresh in flight (another only after its 10-second bound), not one per collection
        }

        // Without any listener: the attempt starts no span and counts nothing, and nothing asks the store for its counts.
        var quiet = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        await using var plain = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, store: quiet);
        Assert.False(Internal.DocMapWebhookInstruments.Source.HasListeners());
        Assert.Null(plain.App.Services.GetRequiredService<InboxTelemetry>().StartAttempt(new InboxLease
        {
            Message = InboxMessages.Delivery("ext_quiet_probe", TimeProvider.System),
            Attempt = 1,
            Token = "t",
            Owner = "o",
            ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(1),
        }));
        using var response = await plain.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_quiet"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        await Eventually.TrueAsync(() => plain.Counters().Completed == 1, "handled");
        Assert.Equal(0, quiet.Count("GetStats"));
    }

    private static bool IsAttemptOf(Activity activity, string messageId) =>
        activity.Source.Name == DocMapWebhookTelemetry.ActivitySourceName && (string?)activity.GetTagItem("docmap.webhook.inbox.message_id") == messageId;

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>An inbox host with the OpenTelemetry SDK (tracing of ASP.NET Core, the receiver, the client and the test handlers; metrics) and collectors.</summary>
internal sealed class InboxTelemetryHost : IAsyncDisposable
{
    private readonly List<Activity> _spans;
    private readonly List<Metric> _metrics;
    private readonly Activity _root;
    private readonly DateTime _started = DateTime.UtcNow;

    private InboxTelemetryHost(WebhookHost host, List<Activity> spans, List<Metric> metrics)
    {
        Host = host;
        _spans = spans;
        _metrics = metrics;
        _root = new Activity("inbox-test-root").SetIdFormat(ActivityIdFormat.W3C).Start();
        _root.Stop();
        MeterFactory = host.App.Services.GetRequiredService<IMeterFactory>();
        Deliveries = new(MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.deliveries");
        Attempts = new(MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.attempts");
        MissedDeliveries = new(MeterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.inbox.missed_deliveries");
    }

    public WebhookHost Host { get; }

    public IMeterFactory MeterFactory { get; }

    public ActivityTraceId RootTraceId => _root.TraceId;

    public TelemetryHost.Collector<long> Deliveries { get; }

    public TelemetryHost.Collector<long> Attempts { get; }

    public TelemetryHost.Collector<long> MissedDeliveries { get; }

    public static async Task<InboxTelemetryHost> StartAsync(
        Action<WebApplication> map,
        Action<DocMapWebhookInboxOptions>? options = null,
        IDocMapWebhookInboxStore? store = null,
        TimeProvider? time = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var host = await InboxHosts.StartAsync(SecretText, map, options, store, time, b =>
        {
            TelemetryHost.ExportInMemory(b, spans, metrics, DocMapTelemetry.ActivitySourceName, "DocMap.Tests.Inbox.Handler");
            configure?.Invoke(b);
        });
        return new InboxTelemetryHost(host, spans, metrics);
    }

    private static string SecretText => InboxTelemetryTestsSecret.Value;

    /// <summary>Sends a request as part of this test's trace (its traceparent).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{_root.TraceId}-{_root.SpanId}-01");
        return Host.Client.SendAsync(request);
    }

    /// <summary>
    /// The finished spans once <paramref name="done"/> holds (polls up to 20 s): this test's trace and the attempts'
    /// own traces (every span that started after this host), or every span when <paramref name="everyTrace"/>.
    /// </summary>
    public async Task<List<Activity>> WaitForSpansAsync(Func<List<Activity>, bool> done, bool everyTrace = false)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            List<Activity> mine;
            lock (_spans)
            {
                mine = _spans.Where(a => everyTrace || a.StartTimeUtc >= _started || a.TraceId == _root.TraceId).ToList();
            }

            if (done(mine))
            {
                return mine;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"The expected spans did not arrive within 20 seconds; got {string.Join(", ", mine.Select(a => a.DisplayName))}.");
            await Task.Delay(20);
        }
    }

    public List<Metric> ExportedMetrics()
    {
        Host.App.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (_metrics)
        {
            return [.. _metrics];
        }
    }

    public async ValueTask DisposeAsync()
    {
        Deliveries.Dispose();
        Attempts.Dispose();
        MissedDeliveries.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>The secret of the inbox telemetry tests' hosts.</summary>
internal static class InboxTelemetryTestsSecret
{
    public static readonly string Value = Deliveries.NewSecretText();
}

using System.Diagnostics;
using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>The accept path with the inbox registered, on real Kestrel hosts.</summary>
public sealed class InboxAcceptTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    internal static void MapGated(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, Recorder recorder, HandlerGate gate, CancellationToken cancellationToken) =>
        {
            await gate.PassAsync(webhook.ExtractionId ?? "(none)", cancellationToken);
            recorder.Events.Enqueue(webhook);
        });

    /// <summary>
    /// A gated handler that registers a callback on its token that throws when the token is cancelled, and never
    /// unregisters it (as a library would): it runs whenever the inbox cancels the token.
    /// </summary>
    internal static void MapGatedWithThrowingTokenCallback(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, HandlerGate gate, CancellationToken cancellationToken) =>
        {
            _ = cancellationToken.Register(() => throw new InvalidOperationException("a callback on the handler's token failed"));
            await gate.PassAsync(webhook.ExtractionId!, cancellationToken);
        });

    internal static void MapRecording(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) => recorder.Events.Enqueue(webhook));

    [Fact]
    public async Task An_accepted_delivery_is_answered_200_only_once_it_is_durably_recorded_with_its_body_route_and_trace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await InboxHosts.StartAsync(SecretText, app => app.MapGroup("/api").MapDocMapWebhooks("/hooks/docmap", async (WebhookEvent webhook, HandlerGate gate, CancellationToken ct) =>
            await gate.PassAsync(webhook.ExtractionId!, ct)));
        var body = Deliveries.Body("ext_durable");
        using var request = Deliveries.Signed(body, Secret, "/api/hooks/docmap");
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var id = InboxMessageIds.ForEvent("extraction.completed", "ext_durable")!;
        var record = await host.Store().GetAsync(id, default);
        Assert.NotNull(record);
        Assert.Equal(body, record.Message.Body.ToArray());
        Assert.Equal("/api/hooks/docmap", record.Message.Endpoint);
        Assert.Equal(InboxMessageKind.Delivery, record.Message.Kind);
        Assert.Equal("extraction.completed", record.Message.EventType);
        Assert.Equal("ext_durable", record.Message.ExtractionId);
        Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", record.Message.TraceParent, StringComparison.Ordinal);
        Assert.Equal(1, host.Counters().Accepted);
        host.Gate().Open();
        await Eventually.TrueAsync(async () => (await host.Store().GetAsync(id, default))?.State == InboxMessageState.Completed, "the message completes");
    }

    [Fact]
    public async Task The_same_delivery_twice_is_a_duplicate_answered_200_logged_at_debug_counted_and_handled_once()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording);
        var body = Deliveries.Body("ext_twice");

        using var first = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var second = await host.Client.SendAsync(Deliveries.Signed(body, Secret));

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, first));
        Assert.Equal("""{"status":"duplicate"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, second));
        await Eventually.TrueAsync(() => host.Counters().Completed == 1, "the first is handled");
        using var third = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        Assert.Equal("""{"status":"duplicate"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, third));
        await Task.Delay(200);
        Assert.Single(host.Recorder.Events);
        Assert.Equal(1, host.Counters().Accepted);
        Assert.Equal(2, host.Counters().Duplicates);
        var duplicates = host.LogsWithId(4012);
        Assert.Equal(2, duplicates.Count);
        Assert.All(duplicates, r => Assert.Equal(LogLevel.Debug, r.Level));
        Assert.Equal("ext_twice", duplicates[0].GetStructuredStateValue("ExtractionId"));
        Assert.Equal("InboxDuplicate", duplicates[0].Id.Name);
        Assert.Equal(1, (await host.Store().GetStatsAsync(default)).Queued + (await host.Store().GetStatsAsync(default)).Running + host.Counters().Completed);
    }

    [Fact]
    public async Task The_dedupe_key_ignores_unsigned_headers_so_a_changed_header_does_not_make_a_new_message()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording);
        var body = Deliveries.Body("ext_headers");
        var statuses = new List<string>();
        foreach (var (name, value) in new[] { ("X-Request-Id", "a"), ("X-Request-Id", "b"), ("X-DocMap-Delivery-Id", "dlv_1"), ("X-DocMap-Delivery-Id", "dlv_2"), ("Idempotency-Key", "k") })
        {
            using var request = Deliveries.Signed(body, Secret);
            request.Headers.TryAddWithoutValidation(name, value);
            request.Headers.UserAgent.ParseAdd("agent-" + value);
            using var response = await host.Client.SendAsync(request);
            statuses.Add(await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        }

        Assert.Equal(["""{"status":"accepted"}""", .. Enumerable.Repeat("""{"status":"duplicate"}""", 4)], statuses);
        await Eventually.TrueAsync(() => host.Recorder.Count == 1, "handled once");
    }

    [Fact]
    public async Task Two_webhooks_delivering_the_same_event_with_different_bodies_and_secrets_are_handled_once()
    {
        var otherSecretText = Deliveries.NewSecretText();
        await using var host = await InboxHosts.StartAsync(
            SecretText, MapRecording, settings: new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:1"] = otherSecretText });
        var fromFirst = Deliveries.Body("ext_shared");
        var fromSecond = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(fromFirst).Replace("2025-01-20T14:30:04.000Z", "2025-01-20T14:30:05.000Z", StringComparison.Ordinal));
        Assert.NotEqual(fromFirst, fromSecond);

        using var first = await host.Client.SendAsync(Deliveries.Signed(fromFirst, Secret));
        using var second = await host.Client.SendAsync(Deliveries.Signed(fromSecond, WebhookSecret.Parse(otherSecretText)));
        using var failedEvent = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_shared", "extraction.failed"), Secret));

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, first));
        Assert.Equal("""{"status":"duplicate"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, second));
        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, failedEvent));
        await Eventually.TrueAsync(() => host.Recorder.Count == 2, "one run per event");
        await Task.Delay(200);
        Assert.Equal(
            ["extraction.completed:ext_shared", "extraction.failed:ext_shared"],
            host.Recorder.Events.Select(e => $"{e.Type}:{e.ExtractionId}").Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task A_body_without_an_extraction_id_is_deduplicated_by_its_SHA256()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording);
        var body = """{"event":"extraction.completed","note":"no id here"}"""u8.ToArray();
        var other = """{"event":"extraction.completed","note":"no id here either"}"""u8.ToArray();

        using var first = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var again = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var different = await host.Client.SendAsync(Deliveries.Signed(other, Secret));

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, first));
        Assert.Equal("""{"status":"duplicate"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, again));
        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, different));
        var id = InboxMessageIds.ForBody(body);
        Assert.Equal("bd:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), id);
        Assert.True(await host.Store().ExistsAsync(id, default));
        await Eventually.TrueAsync(() => host.Recorder.Count == 2, "two distinct bodies handled");
    }

    [Fact]
    public async Task A_store_that_throws_answers_503_with_the_error_envelope_logs_a_warning_and_never_runs_the_handler()
    {
        var store = new FaultyStore(NewMemoryStore());
        store.Fault = op => op == "TryAccept" ? new InvalidOperationException("store down\r\nwarn: forged") : null;
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording, store: store);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_down"), Secret));

        var text = await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
        Assert.Contains("\"code\":\"INBOX_UNAVAILABLE\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("store down", text, StringComparison.Ordinal);
        var warning = Assert.Single(host.LogsWithId(4013));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("InboxStoreUnavailable", warning.Id.Name);
        Assert.Contains("System.InvalidOperationException: store down\\r\\nwarn: forged", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BODY-MARKER", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Counters().Unavailable);
        Assert.Equal(0, host.Counters().Accepted);

        // Back up: the same delivery is accepted (nothing was recorded the first time).
        store.Fault = null;
        using var retried = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_down"), Secret));
        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, retried));
        await Eventually.TrueAsync(() => host.Recorder.Count == 1, "handled once the store is back");
    }

    [Fact]
    public async Task A_store_that_hangs_answers_503_within_the_accept_timeout()
    {
        var store = new FaultyStore(NewMemoryStore()) { HangAccepts = true };
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording, o => o.AcceptTimeout = TimeSpan.FromMilliseconds(300), store: store);
        var clock = Stopwatch.StartNew();

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_hang"), Secret));

        clock.Stop();
        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {clock.Elapsed}, before the timeout");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"answered after {clock.Elapsed}");
        var warning = Assert.Single(host.LogsWithId(4013));
        Assert.Contains("no answer within AcceptTimeout (00:00:00.3000000)", warning.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Recorder.Count);
    }

    [Fact]
    public async Task A_store_that_fails_after_the_accept_timeout_gave_up_on_it_raises_no_unobserved_task_exception()
    {
        // A store of the app's that ignores its token and fails later (its own timeout, a dropped connection): the accept
        // answered 503 long before, and nobody may leave the failure to the finalizer (TaskScheduler.UnobservedTaskException).
        var marker = "late accept failure " + Guid.NewGuid();
        var store = new FaultyStore(NewMemoryStore()) { HangAccepts = true };

        var unobserved = await UnobservedExceptions.ReportedAsync(marker, async () =>
        {
            await using var host = await InboxHosts.StartAsync(SecretText, MapRecording, o => o.AcceptTimeout = TimeSpan.FromMilliseconds(200), store: store);
            using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_late_failure"), Secret)))
            {
                await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
            }

            store.FailHungCalls(new InvalidOperationException(marker));
        });

        Assert.Empty(unobserved);
    }

    [Fact]
    public async Task A_forged_delivery_is_answered_401_and_nothing_is_recorded()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, MapRecording);
        var body = Deliveries.Body("ext_forged");

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, WebhookSecret.Parse(Deliveries.NewSecretText())));

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        Assert.False(await host.Store().ExistsAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_forged")!, default));
        Assert.Equal(0, (await host.Store().GetStatsAsync(default)).Queued);
    }

    [Fact]
    public async Task A_class_handler_runs_in_the_background_after_the_answer()
    {
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app => app.MapDocMapWebhooks<GatedHandler>(Deliveries.Path),
            configure: b => b.Services.AddScoped<GatedHandler>());

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_class"), Secret));

        Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the class handler starts");
        Assert.Empty(host.Recorder.Calls);
        host.Gate().Open();
        await Eventually.TrueAsync(() => host.Recorder.Calls.Count == 1, "the class handler finishes");
        Assert.Equal("completed:ext_class", Assert.Single(host.Recorder.Calls));
        var record = await host.Store().GetAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_class")!, default);
        await Eventually.TrueAsync(async () => (await host.Store().GetAsync(record!.Message.Id, default))!.State == InboxMessageState.Completed, "completed");
    }

    [Fact]
    public async Task RequireDocMapSignature_endpoints_are_not_enqueued_even_with_the_inbox_registered()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, app =>
            app.MapPost("/own", (HttpContext context, Recorder recorder) =>
            {
                recorder.Events.Enqueue(context.GetDocMapWebhookEvent()!);
                return Results.Text("mine");
            }).RequireDocMapSignature());

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_own"), Secret, "/own"));

        Assert.Equal("mine", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        Assert.Single(host.Recorder.Events);
        Assert.Equal(0, host.Counters().Accepted);
        Assert.False(await host.Store().ExistsAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_own")!, default));
    }

    [Fact]
    public async Task Two_endpoints_with_one_route_pattern_cannot_be_told_apart_and_fail_when_built()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, app =>
        {
            app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent e) => { }).RequireHost("a.example");
            app.MapDocMapWebhooks<GatedHandler>(Deliveries.Path).RequireHost("b.example");
        });

        var registry = host.App.Services.GetRequiredService<InboxEndpointRegistry>();
        var error = Assert.Throws<InvalidOperationException>(registry.EnsureBuilt);
        Assert.Contains("route pattern '/webhooks/docmap'", error.Message, StringComparison.Ordinal);
    }

    internal static IDocMapWebhookInboxStore NewMemoryStore(TimeProvider? time = null, TimeSpan? retention = null) =>
        new InMemoryInboxStore(time ?? TimeProvider.System, retention ?? TimeSpan.FromDays(7));
}

public sealed class GatedHandler(Recorder recorder, HandlerGate gate) : DocMapWebhookHandler
{
    public override async Task OnExtractionCompletedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        await gate.PassAsync(webhookEvent.ExtractionId!, cancellationToken);
        recorder.Calls.Enqueue($"completed:{webhookEvent.ExtractionId}");
    }

    public override Task OnExtractionFailedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"failed:{webhookEvent.ExtractionId}");
        return Task.CompletedTask;
    }

    public override Task OnMissedDeliveryAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"missed:{delivery.Id}:{delivery.Event}:{delivery.ExtractionId}:{delivery.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        return Task.CompletedTask;
    }
}

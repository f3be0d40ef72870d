using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>Background processing: retries, dead letters, leases, crash loops, unknown endpoints, concurrency, wake-ups, outages.</summary>
public sealed class InboxProcessingTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    [Fact]
    public async Task A_failing_handler_is_retried_with_exponential_backoff_then_dead_lettered_with_the_escaped_exception_never_the_body()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app => app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) =>
            {
                recorder.Events.Enqueue(webhook);
                throw new InvalidOperationException("boom\r\nwarn: forged line");
            }),
            o =>
            {
                o.MaxAttempts = 3;
                o.RetryBaseDelay = TimeSpan.FromSeconds(10);
                o.MaxRetryDelay = TimeSpan.FromSeconds(15);
            },
            time: time);
        host.Runner().Random = () => 1.0; // the top of the jitter range: the full exponential delay

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_retry"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);

        var first = await host.Store().WaitForAsync("ext_retry", r => r is { State: InboxMessageState.Queued, Attempts: 1 }, "the first attempt fails");
        Assert.Equal(TimeSpan.FromSeconds(10), first.NextAttemptAt - first.LastFailure!.FailedAt);
        Assert.Equal("System.InvalidOperationException", first.LastFailure.ExceptionType);
        Assert.Equal("boom\\r\\nwarn: forged line", first.LastFailure.Message);

        var second = await host.Store().WaitForAsync("ext_retry", r => r is { State: InboxMessageState.Queued, Attempts: 2 }, "the second attempt fails", time);
        Assert.Equal(TimeSpan.FromSeconds(15), second.NextAttemptAt - second.LastFailure!.FailedAt); // 20 s, capped at MaxRetryDelay
        Assert.True(second.LastFailure.FailedAt >= first.NextAttemptAt, "the retry ran before it was due");

        var dead = await host.Store().WaitForAsync("ext_retry", r => r.State == InboxMessageState.DeadLettered, "the last attempt dead-letters it", time);
        Assert.Equal(3, dead.Attempts);
        Assert.True(dead.LastFailure!.FailedAt >= second.NextAttemptAt);
        Assert.Equal(3, host.Recorder.Count);
        Assert.Equal(Deliveries.Body("ext_retry"), Assert.Single(await host.Inbox().ListDeadLettersAsync()).Message.Body.ToArray());

        Assert.Equal(2, host.LogsWithId(4014).Count);
        var deadLog = Assert.Single(host.LogsWithId(4015));
        Assert.Equal(LogLevel.Error, deadLog.Level);
        Assert.Contains("dead-lettered after 3 attempt(s): System.InvalidOperationException: boom\\r\\nwarn: forged line", deadLog.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Message.Contains("BODY-MARKER", StringComparison.Ordinal));
        Assert.Equal(2, host.Counters().Retried);
        Assert.Equal(1, host.Counters().DeadLettered);
    }

    [Fact]
    public void Retry_delays_double_per_attempt_up_to_the_cap_and_jitter_between_half_and_all_of_it()
    {
        var baseDelay = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(1);
        Assert.Equal(TimeSpan.FromSeconds(10), InboxRetryPolicy.Ceiling(1, baseDelay, max));
        Assert.Equal(TimeSpan.FromSeconds(20), InboxRetryPolicy.Ceiling(2, baseDelay, max));
        Assert.Equal(TimeSpan.FromSeconds(40), InboxRetryPolicy.Ceiling(3, baseDelay, max));
        Assert.Equal(max, InboxRetryPolicy.Ceiling(4, baseDelay, max));
        Assert.Equal(max, InboxRetryPolicy.Ceiling(100, baseDelay, max));
        Assert.Equal(TimeSpan.FromSeconds(20), InboxRetryPolicy.Delay(3, baseDelay, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(40), InboxRetryPolicy.Delay(3, baseDelay, max, 1));
        var samples = Enumerable.Range(0, 1000).Select(_ => InboxRetryPolicy.Delay(2, baseDelay, max, Random.Shared.NextDouble())).ToList();
        Assert.All(samples, d => Assert.InRange(d, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)));
        Assert.True(samples.Distinct().Count() > 100, "the delays are jittered");
    }

    [Fact]
    public async Task A_delegate_that_sets_a_non_2xx_status_fails_the_attempt()
    {
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app => app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) =>
            {
                recorder.Events.Enqueue(webhook);
                return Results.StatusCode(StatusCodes.Status422UnprocessableEntity);
            }),
            o => o.MaxAttempts = 1);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_status"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var dead = await host.Store().WaitForAsync("ext_status", r => r.State == InboxMessageState.DeadLettered, "dead-lettered");
        Assert.Equal("The handler answered HTTP 422, which a background run counts as a failure (only 2xx is success).", dead.LastFailure!.Message);
    }

    [Fact]
    public async Task An_expired_lease_of_a_dead_worker_is_taken_over_and_the_message_handled()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new InMemoryInboxStore(time, TimeSpan.FromDays(7));
        Assert.True(await store.TryAcceptAsync(InboxMessages.Delivery("ext_takeover", time), default));
        var dying = Assert.Single(await store.LeaseAsync("dead-host/1/inbox-1", 1, TimeSpan.FromSeconds(30), default));
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, o => o.LeaseDuration = TimeSpan.FromSeconds(30), store, time);

        // Not before the lease expires...
        Assert.Equal(InboxMessageState.Running, (await store.RecordAsync("ext_takeover")).State);
        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Equal(0, host.Recorder.Count);

        // ...then at once.
        var done = await store.WaitForAsync("ext_takeover", r => r.State == InboxMessageState.Completed, "taken over and completed", time, TimeSpan.FromSeconds(1));
        Assert.Equal(2, done.Attempts);
        Assert.Equal("ext_takeover", Assert.Single(host.Recorder.Events).ExtractionId);
        Assert.False(await store.RetryAsync(dying, time.GetUtcNow(), new InboxFailure { ExceptionType = "x", Message = "late", FailedAt = time.GetUtcNow() }, default));
    }

    [Fact]
    public async Task A_message_whose_processes_kept_dying_is_dead_lettered_without_running_again()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new InMemoryInboxStore(time, TimeSpan.FromDays(7));
        Assert.True(await store.TryAcceptAsync(InboxMessages.Delivery("ext_poison", time), default));
        for (var death = 1; death <= 3; death++)
        {
            Assert.Equal(death, Assert.Single(await store.LeaseAsync($"host/{death}/inbox-1", 1, TimeSpan.FromSeconds(10), default)).Attempt);
            time.Advance(TimeSpan.FromSeconds(11)); // the process died holding it
        }

        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, o => o.MaxAttempts = 3, store, time);

        var dead = await store.WaitForAsync("ext_poison", r => r.State == InboxMessageState.DeadLettered, "dead-lettered", time);
        Assert.Equal(4, dead.Attempts);
        Assert.Contains("leased 4 times but MaxAttempts is 3", dead.LastFailure!.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Recorder.Count);
        Assert.Single(host.LogsWithId(4015));
    }

    [Fact]
    public async Task A_message_for_an_endpoint_this_app_no_longer_maps_is_dead_lettered_with_a_clear_reason()
    {
        var time = TimeProvider.System;
        var store = new InMemoryInboxStore(time, TimeSpan.FromDays(7));
        Assert.True(await store.TryAcceptAsync(InboxMessages.Delivery("ext_gone", time, endpoint: "/webhooks/old"), default));

        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, store: store);

        var dead = await store.WaitForAsync("ext_gone", r => r.State == InboxMessageState.DeadLettered, "dead-lettered");
        Assert.Contains("No DocMap webhook endpoint with the route pattern '/webhooks/old' is mapped", dead.LastFailure!.Message, StringComparison.Ordinal);
        Assert.Equal(1, dead.Attempts);
        Assert.Equal(0, host.Recorder.Count);

        // Re-queued while the route is still missing, it is dead-lettered again at its first new attempt.
        Assert.True(await host.Inbox().RequeueAsync(dead.Message.Id));
        await Eventually.TrueAsync(() => host.LogsWithId(4015).Count == 2, "dead-lettered again");
        Assert.Equal(1, (await store.RecordAsync("ext_gone")).Attempts);
    }

    [Fact]
    public async Task A_lost_lease_cancels_the_handlers_token_and_its_outcome_is_not_recorded()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapGated, o => o.LeaseDuration = TimeSpan.FromSeconds(3), store, time);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_lost"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");

        // A renewal succeeds while the store holds the lease...
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return store.Count("Renew") >= 1; }, "a renewal");
        Assert.Empty(host.Gate().Cancelled);

        // ...and the token is cancelled once the store refuses one (the message was taken over).
        store.RefuseRenewals = true;
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return host.Gate().Cancelled.Count == 1; }, "the handler's token is cancelled");
        await Eventually.TrueAsync(() => host.Worker().RunningCount == 0, "the attempt ends");
        var lost = Assert.Single(host.LogsWithId(4016));
        Assert.Contains("refused to renew it", lost.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.Count("Retry") + store.Count("DeadLetter") + store.Count("Complete") + store.Count("Release"));
        Assert.Equal(1, host.Counters().LeasesLost);
    }

    [Fact]
    public async Task A_lost_lease_of_a_handler_whose_token_callback_throws_is_a_lost_lease_not_a_store_failure()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            InboxAcceptTests.MapGatedWithThrowingTokenCallback,
            o => o.LeaseDuration = TimeSpan.FromSeconds(3),
            store,
            time);
        using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_lost_throwing"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");
        store.RefuseRenewals = true;
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return host.Gate().Cancelled.Count == 1; }, "the handler's token is cancelled");
        await Eventually.TrueAsync(() => host.Worker().RunningCount == 0, "the attempt ends");

        Assert.Single(host.LogsWithId(4016));
        Assert.Empty(host.LogsWithId(4017)); // the store did not fail
        Assert.Equal(0, store.Count("Retry") + store.Count("DeadLetter") + store.Count("Complete") + store.Count("Release"));
    }

    [Fact]
    public async Task A_handler_past_HandlerTimeout_has_its_token_cancelled_a_warning_logged_and_the_attempt_retried_as_a_timeout()
    {
        var (host, store, time) = await StartWithHandlerTimeoutAsync("ext_slow", InboxAcceptTests.MapGated, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
        await using var disposeHost = host;

        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Empty(host.Gate().Cancelled); // not before its time

        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => host.Gate().Cancelled.Count == 1, "the handler's token is cancelled at the timeout");
        var record = await store.WaitForAsync("ext_slow", r => r is { State: InboxMessageState.Queued, Attempts: 1 }, "the attempt fails and is queued for a retry");

        Assert.Equal("System.TimeoutException", record.LastFailure!.ExceptionType);
        Assert.Contains("did not finish within HandlerTimeout (30 seconds)", record.LastFailure.Message, StringComparison.Ordinal);
        Assert.Contains("System.Threading.Tasks.TaskCanceledException", record.LastFailure.Message, StringComparison.Ordinal);
        var warning = Assert.Single(host.LogsWithId(4027));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("did not finish within HandlerTimeout (30 seconds)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("ext_slow", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Counters().HandlersTimedOut);
        Assert.Equal(0, host.Counters().LeasesLost);
    }

    [Fact]
    public async Task A_handler_that_ignores_its_cancelled_token_keeps_its_lease_renewed_and_completes_when_it_returns()
    {
        var (host, store, time) = await StartWithHandlerTimeoutAsync(
            "ext_stubborn",
            app => app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, HandlerGate gate, CancellationToken cancellationToken) =>
                await gate.PassAsync(webhook.ExtractionId!, cancellationToken, honourCancellation: false)),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(3));
        await using var disposeHost = host;

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return host.LogsWithId(4027).Count == 1; }, "the timeout's warning");
        var renewalsAtTimeout = store.Count("Renew");
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(500)); return store.Count("Renew") >= renewalsAtTimeout + 3; }, "the lease is still renewed");
        Assert.Equal(InboxMessageState.Running, (await store.RecordAsync("ext_stubborn")).State);
        Assert.Equal(1, host.Worker().RunningCount);

        host.Gate().Open();
        var done = await store.WaitForAsync("ext_stubborn", r => r.State == InboxMessageState.Completed, "a handler that finished anyway completes the message");
        Assert.Equal(1, done.Attempts);
        Assert.Single(host.LogsWithId(4027));
        Assert.Empty(host.LogsWithId(4016));
    }

    [Fact]
    public async Task A_handler_whose_token_callback_throws_at_the_timeout_still_has_its_attempt_failed_as_a_timeout_and_retried()
    {
        // A handler (or a library it calls) whose registration on the token throws when it is cancelled. On the system
        // clock the timeout fires on a timer thread, where an exception that escapes ends the process; here the fake
        // clock's Advance would throw it.
        var (host, store, time) = await StartWithHandlerTimeoutAsync(
            "ext_throwing_callback",
            InboxAcceptTests.MapGatedWithThrowingTokenCallback,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMinutes(5));
        await using var disposeHost = host;

        time.Advance(TimeSpan.FromSeconds(30)); // must not throw

        var record = await store.WaitForAsync("ext_throwing_callback", r => r is { State: InboxMessageState.Queued, Attempts: 1 }, "the attempt fails and is queued for a retry");
        Assert.Equal("System.TimeoutException", record.LastFailure!.ExceptionType);
        Assert.Single(host.Gate().Cancelled);
        Assert.Single(host.LogsWithId(4027));
    }

    [Fact]
    public async Task A_handler_that_throws_another_exception_once_its_token_is_cancelled_fails_as_a_timeout_that_names_it()
    {
        var (host, store, time) = await StartWithHandlerTimeoutAsync(
            "ext_other_exception",
            app => app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, HandlerGate gate, CancellationToken cancellationToken) =>
            {
                try
                {
                    await gate.PassAsync(webhook.ExtractionId!, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new IOException("the download was cut\r\nwarn: forged");
                }
            }),
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMinutes(5));
        await using var disposeHost = host;

        time.Advance(TimeSpan.FromSeconds(30));

        var record = await store.WaitForAsync("ext_other_exception", r => r is { State: InboxMessageState.Queued, Attempts: 1 }, "retried");
        Assert.Equal("System.TimeoutException", record.LastFailure!.ExceptionType);
        Assert.Contains("ended with System.IO.IOException: the download was cut", record.LastFailure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", record.LastFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeouts_on_every_attempt_dead_letter_the_message_with_the_timeouts_text()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            InboxAcceptTests.MapGated,
            o =>
            {
                o.HandlerTimeout = TimeSpan.FromSeconds(5);
                o.MaxAttempts = 2;
                o.RetryBaseDelay = TimeSpan.FromSeconds(1);
                o.MaxRetryDelay = TimeSpan.FromSeconds(1);
            },
            store,
            time);
        using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_always_slow"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var dead = await store.WaitForAsync("ext_always_slow", r => r.State == InboxMessageState.DeadLettered, "dead-lettered after two timeouts", time, TimeSpan.FromMilliseconds(500));

        Assert.Equal(2, dead.Attempts);
        Assert.Equal("System.TimeoutException", dead.LastFailure!.ExceptionType);
        Assert.Contains("did not finish within HandlerTimeout (5 seconds)", dead.LastFailure.Message, StringComparison.Ordinal);
        Assert.Equal(2, host.LogsWithId(4027).Count);
        Assert.Equal(2, host.Gate().Cancelled.Count);
    }

    [Fact]
    public async Task With_an_infinite_HandlerTimeout_a_long_handler_is_never_cancelled()
    {
        // Renewed every 20 minutes: the 10-minute steps below keep the lease.
        var (host, store, time) = await StartWithHandlerTimeoutAsync("ext_long", InboxAcceptTests.MapGated, Timeout.InfiniteTimeSpan, TimeSpan.FromHours(1));
        await using var disposeHost = host;

        for (var i = 0; i < 24; i++)
        {
            var renewals = store.Count("Renew");
            time.Advance(TimeSpan.FromMinutes(10)); // four hours in all, far past the 5-minute default
            if (i % 2 == 1)
            {
                await Eventually.TrueAsync(() => store.Count("Renew") > renewals, "a renewal every 20 minutes");
            }
        }

        host.Gate().Open();
        await store.WaitForAsync("ext_long", r => r.State == InboxMessageState.Completed, "completed");
        Assert.Empty(host.Gate().Cancelled);
        Assert.Empty(host.LogsWithId(4027));
        Assert.Empty(host.LogsWithId(4016));
    }

    /// <summary>A host on a fake clock with the given handler timeout and lease, after one delivery's handler has started.</summary>
    private static async Task<(WebhookHost Host, FaultyStore Store, FakeTimeProvider Time)> StartWithHandlerTimeoutAsync(
        string extractionId, Action<WebApplication> map, TimeSpan handlerTimeout, TimeSpan leaseDuration)
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        var host = await InboxHosts.StartAsync(
            SecretText,
            map,
            o =>
            {
                o.HandlerTimeout = handlerTimeout;
                o.LeaseDuration = leaseDuration;
            },
            store,
            time);
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body(extractionId), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");
        return (host, store, time);
    }

    [Fact]
    public async Task A_lease_that_expires_while_the_store_cannot_be_reached_is_lost_and_cancels_the_handler()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromDays(7)));
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapGated, o => o.LeaseDuration = TimeSpan.FromSeconds(3), store, time);
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_unreachable"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the handler runs");

        store.Fault = op => op == "Renew" ? new TimeoutException("no answer") : null;
        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromMilliseconds(250)); return host.Gate().Cancelled.Count == 1; }, "cancelled once the lease expired");

        Assert.True(store.Count("Renew") >= 2, "renewals were tried until the lease expired");
        Assert.Contains("expired while the store could not be reached", Assert.Single(host.LogsWithId(4016)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_most_MaxConcurrency_handlers_run_at_once()
    {
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapGated, o => o.MaxConcurrency = 2);
        for (var i = 0; i < 5; i++)
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body($"ext_c{i}"), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 2, "two handlers run");
        await Task.Delay(300);
        Assert.Equal(2, host.Gate().Entered.Count);
        Assert.Equal(2, host.Worker().RunningCount);
        var stats = await host.Inbox().GetStatsAsync();
        Assert.Equal(3, stats.Queued);
        Assert.Equal(2, stats.Running);

        host.Gate().Open();
        await Eventually.TrueAsync(() => host.Recorder.Count == 5, "all five handled");
        Assert.Equal(5, host.Gate().Entered.Count);
    }

    [Fact]
    public async Task A_local_accept_wakes_an_idle_worker_at_once_whatever_the_poll_interval()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, o => o.PollInterval = TimeSpan.FromMinutes(5), store);
        await Eventually.TrueAsync(() => store.Count("Lease") >= 1, "the worker polled once and went idle");
        await Task.Delay(100);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_wake"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);

        await Eventually.TrueAsync(() => host.Recorder.Count == 1, "handled long before the next poll", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Store_outages_in_the_worker_loop_are_logged_rate_limited_and_retried_without_stopping_the_host()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore());
        store.Fault = op => op == "Lease" ? new TimeoutException("redis is away") : null;
        await using var host = await InboxHosts.StartAsync(SecretText, InboxAcceptTests.MapRecording, o => o.PollInterval = TimeSpan.FromMilliseconds(20), store);
        using (var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_outage"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await Eventually.TrueAsync(() => store.Count("Lease") >= 20, "the worker keeps trying");
        var errors = host.LogsWithId(4017);
        Assert.Single(errors); // one message per minute of outage, not one per try
        Assert.Equal(LogLevel.Warning, errors[0].Level);
        Assert.Contains("LeaseAsync with System.TimeoutException: redis is away", errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Recorder.Count);

        store.Fault = null;
        await Eventually.TrueAsync(() => host.Recorder.Count == 1, "processed once the store answers");
        var recovered = Assert.Single(host.LogsWithId(4018));
        Assert.Equal(LogLevel.Information, recovered.Level);
    }

    [Fact]
    public async Task Completed_records_are_purged_after_the_retention_and_the_same_delivery_is_then_accepted_again()
    {
        var time = new FakeTimeProvider(InboxMessages.Start);
        var store = new FaultyStore(new InMemoryInboxStore(time, TimeSpan.FromMinutes(1)));
        await using var host = await InboxHosts.StartAsync(
            SecretText, InboxAcceptTests.MapRecording, o => { o.Retention = TimeSpan.FromMinutes(1); o.PurgeInterval = TimeSpan.FromSeconds(10); }, store, time);
        var body = Deliveries.Body("ext_retained");

        using (var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await store.WaitForAsync("ext_retained", r => r.State == InboxMessageState.Completed, "handled");
        time.Advance(TimeSpan.FromSeconds(59));
        using (var within = await host.Client.SendAsync(Deliveries.Signed(body, Secret)))
        {
            Assert.Equal("""{"status":"duplicate"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, within));
        }

        await Eventually.TrueAsync(() => { time.Advance(TimeSpan.FromSeconds(5)); return host.LogsWithId(4024).Count > 0; }, "the periodic purge removes the record");
        Assert.Equal(1L, host.LogsWithId(4024)[0].GetStructuredStateValue("Count") is { } count ? long.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 0);
        Assert.Null(await store.Inner.GetAsync(InboxMessageIds.ForEvent("extraction.completed", "ext_retained")!, default));

        using (var after = await host.Client.SendAsync(Deliveries.Signed(body, Secret)))
        {
            Assert.Equal("""{"status":"accepted"}""", await HttpAssert.StatusAsync(HttpStatusCode.OK, after));
        }

        await Eventually.TrueAsync(() => host.Recorder.Count == 2, "handled again in the new retention window");
    }
}

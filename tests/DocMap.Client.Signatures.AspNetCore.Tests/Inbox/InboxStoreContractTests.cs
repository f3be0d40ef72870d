using System.Collections.Concurrent;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>
/// The contract every <see cref="IDocMapWebhookInboxStore"/> must meet, written once and run against each store (the
/// in-memory store here; Redis, Valkey and Garnet in DocMap.Client.Redis.Tests, which compiles this file too).
/// A derived class creates a fresh, empty store on the given clock and retention. Timestamps are compared at
/// millisecond precision (what a store must keep at least); the clock starts and moves in whole milliseconds.
/// </summary>
public abstract class InboxStoreContractTests
{
    protected static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    protected static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 20, 14, 30, 4, TimeSpan.Zero));

    /// <summary>A fresh, empty store on <paramref name="time"/> that keeps settled records for <paramref name="retention"/>.</summary>
    protected abstract Task<IDocMapWebhookInboxStore> CreateStoreAsync(TimeProvider time, TimeSpan retention);

    private Task<IDocMapWebhookInboxStore> CreateStoreAsync() => CreateStoreAsync(Time, Retention);

    private static CancellationToken Ct => CancellationToken.None;

    protected InboxMessage Message(string id, byte[]? body = null, InboxMessageKind kind = InboxMessageKind.Delivery, string? extractionId = "ext_1") => new()
    {
        Id = id,
        Kind = kind,
        Endpoint = "/webhooks/docmap",
        EventType = "extraction.completed",
        ExtractionId = extractionId,
        Body = body ?? """{"event":"extraction.completed","extractionId":"ext_1"}"""u8.ToArray(),
        AcceptedAt = Time.GetUtcNow(),
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    private InboxFailure Failure(string message = "boom") => new()
    {
        ExceptionType = "System.InvalidOperationException",
        Message = message,
        FailedAt = Time.GetUtcNow(),
    };

    private static DateTimeOffset Ms(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static void SameMessage(InboxMessage expected, InboxMessage actual, bool withBody = true)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Endpoint, actual.Endpoint);
        Assert.Equal(expected.EventType, actual.EventType);
        Assert.Equal(expected.ExtractionId, actual.ExtractionId);
        Assert.Equal(Ms(expected.AcceptedAt), Ms(actual.AcceptedAt));
        Assert.Equal(expected.TraceParent, actual.TraceParent);
        if (withBody)
        {
            Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        }
    }

    [Fact]
    public async Task Accept_records_a_queued_message_due_now_and_a_repeat_is_a_duplicate()
    {
        var store = await CreateStoreAsync();
        var message = Message("d1:a");

        Assert.True(await store.TryAcceptAsync(message, Ct));
        Assert.False(await store.TryAcceptAsync(Message("d1:a", body: "other"u8.ToArray()), Ct));
        Assert.True(await store.ExistsAsync("d1:a", Ct));
        Assert.False(await store.ExistsAsync("d1:b", Ct));

        var record = await store.GetAsync("d1:a", Ct);
        Assert.NotNull(record);
        Assert.Equal(InboxMessageState.Queued, record.State);
        Assert.Equal(0, record.Attempts);
        Assert.Equal(Ms(Time.GetUtcNow()), Ms(record.NextAttemptAt!.Value));
        Assert.Null(record.LeaseExpiresAt);
        Assert.Null(record.SettledAt);
        Assert.Null(record.LastFailure);
        SameMessage(message, record.Message);
        Assert.Null(await store.GetAsync("d1:b", Ct));
    }

    [Fact]
    public async Task Every_field_and_every_byte_value_round_trip()
    {
        var store = await CreateStoreAsync();
        var body = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[70_000]).ToArray();
        var message = new InboxMessage
        {
            Id = "m1:{odd} key*with:colons and spaces",
            Kind = InboxMessageKind.MissedDelivery,
            Endpoint = "/hooks/{tenant}/docmap",
            EventType = "",
            ExtractionId = null,
            Body = body,
            AcceptedAt = Time.GetUtcNow().AddMilliseconds(-1234),
            TraceParent = null,
        };
        Assert.True(await store.TryAcceptAsync(message, Ct));

        SameMessage(message, (await store.GetAsync(message.Id, Ct))!.Message);
        var lease = Assert.Single(await store.LeaseAsync("w", 10, LeaseDuration, Ct));
        SameMessage(message, lease.Message);
    }

    [Fact]
    public async Task Concurrent_accepts_of_one_id_record_it_once()
    {
        var store = await CreateStoreAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => store.TryAcceptAsync(Message("d1:same"), Ct), Ct)));
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).Queued);
    }

    [Fact]
    public async Task Lease_takes_due_messages_earliest_first_marks_them_running_and_counts_the_attempt()
    {
        var store = await CreateStoreAsync();
        foreach (var id in new[] { "d1:1", "d1:2", "d1:3" })
        {
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
            Time.Advance(TimeSpan.FromMilliseconds(5));
        }

        var first = await store.LeaseAsync("worker-a", 2, LeaseDuration, Ct);
        Assert.Equal(["d1:1", "d1:2"], first.Select(l => l.Message.Id));
        Assert.All(first, l =>
        {
            Assert.Equal(1, l.Attempt);
            Assert.Equal("worker-a", l.Owner);
            Assert.Equal(Ms(Time.GetUtcNow() + LeaseDuration), Ms(l.ExpiresAt));
            Assert.Null(l.PreviousFailure);
            Assert.False(string.IsNullOrEmpty(l.Token));
        });
        Assert.NotEqual(first[0].Token, first[1].Token);

        var record = await store.GetAsync("d1:1", Ct);
        Assert.Equal(InboxMessageState.Running, record!.State);
        Assert.Equal(1, record.Attempts);
        Assert.Null(record.NextAttemptAt);
        Assert.Equal(Ms(Time.GetUtcNow() + LeaseDuration), Ms(record.LeaseExpiresAt!.Value));

        Assert.Equal(["d1:3"], (await store.LeaseAsync("worker-b", 10, LeaseDuration, Ct)).Select(l => l.Message.Id));
        Assert.Empty(await store.LeaseAsync("worker-b", 10, LeaseDuration, Ct));
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal((0, 3, 0), (stats.Queued, stats.Running, stats.DeadLettered));
    }

    [Fact]
    public async Task Concurrent_leasers_never_share_a_message()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 40; i++)
        {
            Assert.True(await store.TryAcceptAsync(Message($"d1:{i}"), Ct));
        }

        var bag = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var round = 0; round < 10; round++)
            {
                foreach (var lease in await store.LeaseAsync($"w{w}", 3, LeaseDuration, Ct))
                {
                    bag.Add(lease.Message.Id);
                }
            }
        }, Ct)));

        Assert.Equal(40, bag.Count);
        Assert.Equal(40, bag.Distinct().Count());
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_and_the_old_holder_can_no_longer_settle_it()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:x"), Ct));
        var old = Assert.Single(await store.LeaseAsync("dead-worker", 1, LeaseDuration, Ct));

        Time.Advance(LeaseDuration - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await store.LeaseAsync("other", 1, LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromMilliseconds(2));
        var taken = Assert.Single(await store.LeaseAsync("other", 1, LeaseDuration, Ct));
        Assert.Equal(2, taken.Attempt);
        Assert.NotEqual(old.Token, taken.Token);

        Assert.False(await store.RenewAsync(old, LeaseDuration, Ct));
        Assert.False(await store.RetryAsync(old, Time.GetUtcNow(), Failure(), Ct));
        Assert.False(await store.DeadLetterAsync(old, Failure(), Ct));
        Assert.False(await store.ReleaseAsync(old, Ct));
        var record = await store.GetAsync("d1:x", Ct);
        Assert.Equal(InboxMessageState.Running, record!.State);
        Assert.Equal(2, record.Attempts);
        Assert.Null(record.LastFailure);
    }

    [Fact]
    public async Task Renewing_extends_the_lease_even_after_it_expired_if_nobody_took_it()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:r"), Ct));
        var lease = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await store.RenewAsync(lease, LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await store.LeaseAsync("other", 1, LeaseDuration, Ct));
        Assert.Equal(Ms(Time.GetUtcNow() + TimeSpan.FromSeconds(10)), Ms((await store.GetAsync("d1:r", Ct))!.LeaseExpiresAt!.Value));

        Time.Advance(TimeSpan.FromSeconds(45));
        Assert.True(await store.RenewAsync(lease, LeaseDuration, Ct));
        Assert.Empty(await store.LeaseAsync("other", 1, LeaseDuration, Ct));
    }

    [Fact]
    public async Task Complete_settles_the_record_which_stays_a_duplicate_until_retention_ends()
    {
        var store = await CreateStoreAsync();
        var message = Message("d1:c");
        Assert.True(await store.TryAcceptAsync(message, Ct));
        var lease = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));

        Assert.True(await store.CompleteAsync(lease, Ct));
        Assert.False(await store.CompleteAsync(lease, Ct));
        var record = await store.GetAsync("d1:c", Ct);
        Assert.Equal(InboxMessageState.Completed, record!.State);
        Assert.Equal(Ms(Time.GetUtcNow()), Ms(record.SettledAt!.Value));
        Assert.Null(record.LeaseExpiresAt);
        Assert.Null(record.NextAttemptAt);
        SameMessage(message, record.Message, withBody: false);
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal((0, 0, 0), (stats.Queued, stats.Running, stats.DeadLettered));
        Assert.Empty(await store.LeaseAsync("w", 1, LeaseDuration, Ct));

        Time.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.False(await store.TryAcceptAsync(Message("d1:c"), Ct));
        Assert.True(await store.ExistsAsync("d1:c", Ct));

        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(await store.ExistsAsync("d1:c", Ct));
        Assert.Null(await store.GetAsync("d1:c", Ct));
        Assert.True(await store.TryAcceptAsync(Message("d1:c"), Ct));
        Assert.Equal(InboxMessageState.Queued, (await store.GetAsync("d1:c", Ct))!.State);
        Assert.Equal(0, (await store.GetAsync("d1:c", Ct))!.Attempts);
    }

    [Fact]
    public async Task A_finished_run_under_a_lost_lease_still_completes_the_record()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:slow"), Ct));
        var slow = Assert.Single(await store.LeaseAsync("slow", 1, LeaseDuration, Ct));
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var other = Assert.Single(await store.LeaseAsync("other", 1, LeaseDuration, Ct));

        Assert.True(await store.CompleteAsync(slow, Ct));
        Assert.Equal(InboxMessageState.Completed, (await store.GetAsync("d1:slow", Ct))!.State);
        Assert.False(await store.CompleteAsync(other, Ct));
        Assert.False(await store.RetryAsync(other, Time.GetUtcNow(), Failure(), Ct));
        Assert.False(await store.RenewAsync(other, LeaseDuration, Ct));
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).Running);
    }

    [Fact]
    public async Task Retry_requeues_with_a_due_time_and_keeps_the_failure()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:retry"), Ct));
        var lease = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        var failure = Failure("the database said no");
        var dueAt = Time.GetUtcNow() + TimeSpan.FromSeconds(10);

        Assert.True(await store.RetryAsync(lease, dueAt, failure, Ct));
        Assert.False(await store.RetryAsync(lease, dueAt, failure, Ct));
        var record = await store.GetAsync("d1:retry", Ct);
        Assert.Equal(InboxMessageState.Queued, record!.State);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(Ms(dueAt), Ms(record.NextAttemptAt!.Value));
        Assert.Equal("the database said no", record.LastFailure!.Message);
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).Queued);

        Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        Assert.Equal(2, second.Attempt);
        Assert.Equal(failure.ExceptionType, second.PreviousFailure!.ExceptionType);
        Assert.Equal(failure.Message, second.PreviousFailure.Message);
        Assert.Equal(Ms(failure.FailedAt), Ms(second.PreviousFailure.FailedAt));
    }

    [Fact]
    public async Task A_retry_due_earlier_is_leased_before_a_later_one()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:late"), Ct));
        Assert.True(await store.TryAcceptAsync(Message("d1:early"), Ct));
        var leases = await store.LeaseAsync("w", 2, LeaseDuration, Ct);
        var late = leases.Single(l => l.Message.Id == "d1:late");
        var early = leases.Single(l => l.Message.Id == "d1:early");
        Assert.True(await store.RetryAsync(late, Time.GetUtcNow() + TimeSpan.FromSeconds(20), Failure(), Ct));
        Assert.True(await store.RetryAsync(early, Time.GetUtcNow() + TimeSpan.FromSeconds(10), Failure(), Ct));

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["d1:early", "d1:late"], (await store.LeaseAsync("w", 2, LeaseDuration, Ct)).Select(l => l.Message.Id));
    }

    [Fact]
    public async Task Dead_letters_keep_their_body_are_listed_newest_first_and_counted()
    {
        var store = await CreateStoreAsync();
        var bodies = new Dictionary<string, byte[]>();
        foreach (var id in new[] { "d1:a", "d1:b", "d1:c" })
        {
            bodies[id] = System.Text.Encoding.UTF8.GetBytes("{\"id\":\"" + id + "\"}");
            Assert.True(await store.TryAcceptAsync(Message(id, bodies[id]), Ct));
        }

        foreach (var lease in await store.LeaseAsync("w", 3, LeaseDuration, Ct))
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await store.DeadLetterAsync(lease, Failure("gave up on " + lease.Message.Id), Ct));
            Assert.False(await store.DeadLetterAsync(lease, Failure(), Ct));
        }

        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal((0, 0, 3), (stats.Queued, stats.Running, stats.DeadLettered));
        var listed = await store.ListDeadLettersAsync(10, Ct);
        Assert.Equal(["d1:c", "d1:b", "d1:a"], listed.Select(r => r.Message.Id));
        Assert.All(listed, r =>
        {
            Assert.Equal(InboxMessageState.DeadLettered, r.State);
            Assert.Equal(bodies[r.Message.Id], r.Message.Body.ToArray());
            Assert.Equal("gave up on " + r.Message.Id, r.LastFailure!.Message);
            Assert.NotNull(r.SettledAt);
        });
        Assert.Equal(["d1:c", "d1:b"], (await store.ListDeadLettersAsync(2, Ct)).Select(r => r.Message.Id));
        Assert.Empty(await store.LeaseAsync("w", 3, LeaseDuration, Ct));
        Assert.False(await store.TryAcceptAsync(Message("d1:a"), Ct));
    }

    [Fact]
    public async Task Requeue_puts_a_dead_letter_back_with_its_attempts_reset()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:q"), Ct));
        Assert.True(await store.TryAcceptAsync(Message("d1:live"), Ct));
        var lease = (await store.LeaseAsync("w", 1, LeaseDuration, Ct)).Single(l => l.Message.Id == "d1:q");
        Assert.True(await store.DeadLetterAsync(lease, Failure(), Ct));

        Assert.False(await store.RequeueAsync("d1:live", Ct));
        Assert.False(await store.RequeueAsync("d1:unknown", Ct));
        Assert.True(await store.RequeueAsync("d1:q", Ct));
        Assert.False(await store.RequeueAsync("d1:q", Ct));

        var record = await store.GetAsync("d1:q", Ct);
        Assert.Equal(InboxMessageState.Queued, record!.State);
        Assert.Equal(0, record.Attempts);
        Assert.Null(record.SettledAt);
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).DeadLettered);
        Assert.Empty(await store.ListDeadLettersAsync(10, Ct));
        var again = (await store.LeaseAsync("w", 2, LeaseDuration, Ct)).Single(l => l.Message.Id == "d1:q");
        Assert.Equal(1, again.Attempt);

        // Re-queued, it no longer expires with the dead letters' retention.
        Time.Advance(Retention + TimeSpan.FromDays(1));
        Assert.True(await store.ExistsAsync("d1:q", Ct));
    }

    [Fact]
    public async Task Release_hands_the_message_back_due_at_once_without_counting_the_attempt()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:rel"), Ct));
        var first = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        Assert.True(await store.RetryAsync(first, Time.GetUtcNow(), Failure(), Ct));
        var second = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        Assert.Equal(2, second.Attempt);

        Assert.True(await store.ReleaseAsync(second, Ct));
        Assert.False(await store.ReleaseAsync(second, Ct));
        var record = await store.GetAsync("d1:rel", Ct);
        Assert.Equal(InboxMessageState.Queued, record!.State);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(Ms(Time.GetUtcNow()), Ms(record.NextAttemptAt!.Value));
        var third = Assert.Single(await store.LeaseAsync("w2", 1, LeaseDuration, Ct));
        Assert.Equal(2, third.Attempt);
    }

    [Fact]
    public async Task Queued_and_running_records_never_expire_settled_ones_do_and_purge_removes_them()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await store.TryAcceptAsync(Message($"d1:done{i}"), Ct));
        }

        foreach (var lease in await store.LeaseAsync("w", 5, LeaseDuration, Ct))
        {
            Assert.True(await store.CompleteAsync(lease, Ct));
        }

        Assert.True(await store.TryAcceptAsync(Message("d1:dead"), Ct));
        Assert.True(await store.DeadLetterAsync(Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)), Failure(), Ct));
        Assert.True(await store.TryAcceptAsync(Message("d1:running"), Ct));
        Assert.Equal("d1:running", Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)).Message.Id);
        Assert.True(await store.TryAcceptAsync(Message("d1:queued"), Ct));

        Time.Advance(Retention + TimeSpan.FromSeconds(1));
        var purged = await store.PurgeExpiredAsync(Ct);
        Assert.InRange(purged, 0, 6);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(await store.ExistsAsync($"d1:done{i}", Ct));
        }

        Assert.False(await store.ExistsAsync("d1:dead", Ct));
        Assert.Empty(await store.ListDeadLettersAsync(10, Ct));
        Assert.True(await store.ExistsAsync("d1:queued", Ct));
        Assert.True(await store.ExistsAsync("d1:running", Ct));
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal((1, 1, 0), (stats.Queued, stats.Running, stats.DeadLettered));
        Assert.Equal(0, await store.PurgeExpiredAsync(Ct));
    }

    [Fact]
    public async Task Records_due_at_the_same_time_are_leased_in_the_order_they_were_accepted()
    {
        var store = await CreateStoreAsync();
        string[] ids = ["d1:m", "d1:c", "d1:x", "d1:a", "d1:q"];
        foreach (var id in ids)
        {
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
        }

        var leased = new List<string>();
        for (var i = 0; i < ids.Length; i++)
        {
            leased.Add(Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)).Message.Id);
        }

        Assert.Equal(ids, leased);
    }

    [Fact]
    public async Task Due_records_come_before_expired_leases_which_are_taken_earliest_expired_first()
    {
        var store = await CreateStoreAsync();
        foreach (var (id, lease) in new[] { ("d1:e10", 10), ("d1:e5", 5), ("d1:e20", 20) })
        {
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
            Assert.Single(await store.LeaseAsync("dead", 1, TimeSpan.FromSeconds(lease), Ct));
        }

        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await store.TryAcceptAsync(Message("d1:new"), Ct));

        var leased = await store.LeaseAsync("w", 3, LeaseDuration, Ct);
        Assert.Equal(["d1:new", "d1:e5", "d1:e10"], leased.Select(l => l.Message.Id));
        Assert.Equal(["d1:e20"], (await store.LeaseAsync("w", 3, LeaseDuration, Ct)).Select(l => l.Message.Id));
    }

    [Fact]
    public async Task A_late_completion_settles_a_record_another_worker_dead_lettered_meanwhile()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:late"), Ct));
        var slow = Assert.Single(await store.LeaseAsync("slow", 1, LeaseDuration, Ct));
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var other = Assert.Single(await store.LeaseAsync("other", 1, LeaseDuration, Ct));
        Assert.True(await store.DeadLetterAsync(other, Failure(), Ct));
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).DeadLettered);

        Assert.True(await store.CompleteAsync(slow, Ct));
        var record = await store.GetAsync("d1:late", Ct);
        Assert.Equal(InboxMessageState.Completed, record!.State);
        Assert.Equal(2, record.Attempts);
        Assert.Equal(Ms(Time.GetUtcNow()), Ms(record.SettledAt!.Value));
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).DeadLettered);
        Assert.Empty(await store.ListDeadLettersAsync(10, Ct));
        Assert.False(await store.RequeueAsync("d1:late", Ct));
    }

    [Fact]
    public async Task A_dead_letter_past_retention_is_gone_and_its_id_starts_afresh()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:old"), Ct));
        Assert.True(await store.DeadLetterAsync(Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)), Failure(), Ct));
        Time.Advance(Retention + TimeSpan.FromSeconds(1));

        Assert.Null(await store.GetAsync("d1:old", Ct));
        Assert.False(await store.RequeueAsync("d1:old", Ct));
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).DeadLettered);
        Assert.True(await store.TryAcceptAsync(Message("d1:old"), Ct));
        var record = await store.GetAsync("d1:old", Ct);
        Assert.Equal(InboxMessageState.Queued, record!.State);
        Assert.Equal(0, record.Attempts);
        Assert.Null(record.LastFailure);
        Assert.Null(record.SettledAt);
        Assert.Equal(1, Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)).Attempt);
    }

    [Fact]
    public async Task Bad_arguments_throw_argument_exceptions()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.TryAcceptAsync(Message("d1:args"), Ct));
        var lease = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.TryAcceptAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.LeaseAsync(null!, 1, LeaseDuration, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.LeaseAsync("w", 0, LeaseDuration, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.LeaseAsync("w", 1, TimeSpan.Zero, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RenewAsync(lease, TimeSpan.FromSeconds(-1), Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.CompleteAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.RetryAsync(lease, Time.GetUtcNow(), null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.DeadLetterAsync(lease, null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListDeadLettersAsync(0, Ct));
        Assert.Throws<ArgumentException>(() => Message(""));
        Assert.Throws<ArgumentException>(() => Message(new string('x', 201)));
        Assert.Throws<ArgumentException>(() => Message("d1:\r\n"));
        Assert.Throws<ArgumentException>(() => Message("d1:é"));
    }
}

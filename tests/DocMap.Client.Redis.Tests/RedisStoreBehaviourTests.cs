using System.Collections.Concurrent;
using System.Text;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace DocMap.Client.Redis.Tests;

/// <summary>
/// What the Redis store promises beyond the store contract: round trips, key layout and slots, prefix isolation,
/// expiries, several receiver instances on one server, and a stalled server. Runs on embedded Garnet and, when
/// DOCMAP_TEST_REDIS is set, on redis-server.
/// </summary>
public abstract class RedisStoreBehaviourTests(RedisTestServer server)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => CancellationToken.None;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 20, 14, 30, 4, TimeSpan.Zero));

    private InboxMessage Message(string id, byte[]? body = null) => new()
    {
        Id = id,
        Endpoint = "/webhooks/docmap",
        EventType = "extraction.completed",
        ExtractionId = "ext_" + id,
        Body = body ?? Encoding.UTF8.GetBytes("{\"event\":\"extraction.completed\",\"extractionId\":\"ext_" + id + "\"}"),
        AcceptedAt = _time.GetUtcNow(),
    };

    private InboxFailure Failure() => new() { ExceptionType = "System.InvalidOperationException", Message = "boom", FailedAt = _time.GetUtcNow() };

    private IDatabase Db => server.Multiplexer.GetDatabase();

    /// <summary>Retries a call that fails because the server is (still) away, for up to a minute.</summary>
    internal static async Task Eventually(Func<Task> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (Exception e) when ((e is TimeoutException or RedisException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    [Fact]
    public async Task Accept_is_one_command_once_its_script_is_loaded_and_each_operation_takes_the_documented_round_trips()
    {
        await using var proxy = new RespProxy(server.Endpoint);
        var prefix = RedisTestServer.UniquePrefix();
        await using var store = TestStores.OwnConnection(proxy.Endpoint, _time, Retention, prefix);

        // Cold (first use on a connection, or after the server lost its scripts): the client loads the script and runs
        // it, pipelined in one write; from then on it runs it by hash.
        Assert.True(await store.TryAcceptAsync(Message("warm"), Ct));
        Assert.Equal(["SCRIPT", "EVAL"], proxy.DataCommands.Select(RespProxy.Name));

        proxy.Clear();
        Assert.True(await store.TryAcceptAsync(Message("d1:1"), Ct));
        Assert.Equal(["EVALSHA"], proxy.DataCommands.Select(RespProxy.Name));
        proxy.Clear();
        Assert.False(await store.TryAcceptAsync(Message("d1:1"), Ct));
        Assert.Equal(["EVALSHA"], proxy.DataCommands.Select(RespProxy.Name));

        Assert.Equal(2, (await store.LeaseAsync("w", 10, LeaseDuration, Ct)).Count);

        // Every other operation, after a first pass that loads its script.
        for (var pass = 0; pass < 2; pass++)
        {
            Assert.True(await store.TryAcceptAsync(Message($"p{pass}:a"), Ct));
            Assert.True(await store.TryAcceptAsync(Message($"p{pass}:b"), Ct));
            var leases = await Counted(proxy, pass, ["EVALSHA", "HGETALL", "HGETALL"], () => store.LeaseAsync("w", 10, LeaseDuration, Ct));
            var a = leases.Single(l => l.Message.Id == $"p{pass}:a");
            var b = leases.Single(l => l.Message.Id == $"p{pass}:b");
            await Counted(proxy, pass, ["HMGET"], () => store.ExistsAsync(a.Message.Id, Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.RenewAsync(a, LeaseDuration, Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.RetryAsync(a, _time.GetUtcNow(), Failure(), Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.DeadLetterAsync(b, Failure(), Ct));
            await Counted(proxy, pass, ["ZREVRANGEBYSCORE", "HGETALL"], () => store.ListDeadLettersAsync(10, Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.RequeueAsync(b.Message.Id, Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.GetAsync(b.Message.Id, Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.GetStatsAsync(Ct));
            var again = await store.LeaseAsync("w", 10, LeaseDuration, Ct);
            Assert.Equal(2, again.Count);
            await Counted(proxy, pass, ["EVALSHA"], () => store.ReleaseAsync(again[0], Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.CompleteAsync(again[1], Ct));
            await Counted(proxy, pass, ["ZRANGEBYSCORE", "ZRANGEBYSCORE"], () => store.PurgeExpiredAsync(Ct));
            var released = await Counted(proxy, pass, ["EVALSHA", "HGETALL"], () => store.LeaseAsync("w", 10, LeaseDuration, Ct));
            Assert.True(await store.CompleteAsync(Assert.Single(released), Ct));
            await Counted(proxy, pass, ["EVALSHA"], () => store.LeaseAsync("w", 10, LeaseDuration, Ct));
        }

        // Every key of every command the store sent is under the prefix, in the prefix's hash slot.
        var slot = server.Multiplexer.HashSlot(prefix + "q");
        var keys = proxy.AllCommands.SelectMany(KeysOf).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.StartsWith(prefix, key, StringComparison.Ordinal);
            Assert.Equal(slot, server.Multiplexer.HashSlot(key));
        });
    }

    /// <summary>Runs one operation and checks the store's commands (SCRIPT LOAD aside, which happens once per script).</summary>
    private static async Task<T> Counted<T>(RespProxy proxy, int pass, string[] expected, Func<Task<T>> operation)
    {
        proxy.Clear();
        var result = await operation();
        var names = proxy.DataCommands.Select(RespProxy.Name).ToList();
        if (pass == 0)
        {
            names.RemoveAll(n => n == "SCRIPT");
            names = [.. names.Select(n => n == "EVAL" ? "EVALSHA" : n)];
        }

        Assert.Equal(expected, names);
        return result;
    }

    /// <summary>The keys a recorded command names (EVAL/EVALSHA: its KEYS; other data commands: their first argument).</summary>
    private static IEnumerable<string> KeysOf(byte[][] command)
    {
        var name = RespProxy.Name(command);
        if (name is "EVAL" or "EVALSHA")
        {
            var count = int.Parse(Encoding.ASCII.GetString(command[2]), System.Globalization.CultureInfo.InvariantCulture);
            return command.Skip(3).Take(count).Select(k => Encoding.ASCII.GetString(k));
        }

        return name is "HMGET" or "HGETALL" or "ZRANGEBYSCORE" or "ZREVRANGEBYSCORE" ? [Encoding.ASCII.GetString(command[1])] : [];
    }

    [Fact]
    public async Task The_keys_on_the_server_are_the_documented_ones_all_in_the_prefix_slot()
    {
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, _time, Retention, prefix);
        foreach (var id in new[] { "k:done", "k:dead", "k:running", "k:queued" })
        {
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
        }

        var leases = await store.LeaseAsync("w", 3, LeaseDuration, Ct);
        Assert.True(await store.CompleteAsync(leases.Single(l => l.Message.Id == "k:done"), Ct));
        Assert.True(await store.DeadLetterAsync(leases.Single(l => l.Message.Id == "k:dead"), Failure(), Ct));

        var keys = await ServerKeysAsync(prefix);
        string[] expected =
        [
            .. new[] { "q", "r", "a", "t", "c", "d", "n" }.Select(k => prefix + k),
            .. new[] { "k:queued", "k:running", "k:done", "k:dead" }.Select(id => prefix + "m:" + id),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        var slot = server.Multiplexer.HashSlot(prefix);
        Assert.All(keys, key => Assert.Equal(slot, server.Multiplexer.HashSlot(key)));
        Assert.Equal(RedisType.Hash, await Db.KeyTypeAsync(prefix + "m:k:done"));
        Assert.Equal(RedisType.SortedSet, await Db.KeyTypeAsync(prefix + "q"));
        Assert.Equal(RedisType.Hash, await Db.KeyTypeAsync(prefix + "t"));
        Assert.Equal(RedisType.String, await Db.KeyTypeAsync(prefix + "n"));
    }

    private async Task<List<string>> ServerKeysAsync(string prefix)
    {
        var endpoint = server.Multiplexer.GetEndPoints().Single();
        var keys = new List<string>();
        await foreach (var key in server.Multiplexer.GetServer(endpoint).KeysAsync(pattern: prefix.Replace("{", "\\{", StringComparison.Ordinal).Replace("}", "\\}", StringComparison.Ordinal) + "*"))
        {
            keys.Add(key!);
        }

        return keys;
    }

    [Fact]
    public async Task Two_prefixes_on_one_server_never_see_each_others_records()
    {
        var one = TestStores.OnShared(server, _time, Retention);
        var two = TestStores.OnShared(server, _time, Retention);
        Assert.True(await one.TryAcceptAsync(Message("iso:1"), Ct));
        Assert.True(await two.TryAcceptAsync(Message("iso:1"), Ct));
        Assert.True(await one.TryAcceptAsync(Message("iso:2"), Ct));

        Assert.False(await two.ExistsAsync("iso:2", Ct));
        Assert.Equal((2, 0), await Counts(one));
        Assert.Equal((1, 0), await Counts(two));
        var lease = Assert.Single(await two.LeaseAsync("w", 10, LeaseDuration, Ct));
        Assert.True(await two.DeadLetterAsync(lease, Failure(), Ct));
        Assert.Empty(await one.ListDeadLettersAsync(10, Ct));
        Assert.Equal(2, (await one.LeaseAsync("w", 10, LeaseDuration, Ct)).Count);
        Assert.Equal(InboxMessageState.DeadLettered, (await two.GetAsync("iso:1", Ct))!.State);
        Assert.Equal(InboxMessageState.Running, (await one.GetAsync("iso:1", Ct))!.State);

        _time.Advance(Retention + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await two.PurgeExpiredAsync(Ct));
        Assert.Equal(InboxMessageState.Running, (await one.GetAsync("iso:1", Ct))!.State);

        static async Task<(long, long)> Counts(RedisInboxStore store)
        {
            var stats = await store.GetStatsAsync(Ct);
            return (stats.Queued, stats.DeadLettered);
        }
    }

    [Fact]
    public async Task Settled_records_carry_a_safety_expiry_of_retention_plus_margin_and_live_records_and_indexes_none()
    {
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, _time, Retention, prefix);
        foreach (var id in new[] { "x:done", "x:dead", "x:running", "x:queued" })
        {
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
        }

        var leases = await store.LeaseAsync("w", 3, LeaseDuration, Ct);
        Assert.True(await store.CompleteAsync(leases.Single(l => l.Message.Id == "x:done"), Ct));
        Assert.True(await store.DeadLetterAsync(leases.Single(l => l.Message.Id == "x:dead"), Failure(), Ct));

        var safety = Retention + RedisInboxStore.DefaultExpiryMargin;
        foreach (var id in new[] { "x:done", "x:dead" })
        {
            var ttl = await Db.KeyTimeToLiveAsync(prefix + "m:" + id);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, safety - TimeSpan.FromMinutes(1), safety);
        }

        foreach (var key in new[] { "m:x:running", "m:x:queued", "q", "r", "a", "t", "c", "d", "n" })
        {
            Assert.Null(await Db.KeyTimeToLiveAsync(prefix + key));
        }

        // Re-queued, a dead letter is live again and loses its expiry; a completed one past retention is replaced by
        // a fresh (live) record on a repeat.
        Assert.True(await store.RequeueAsync("x:dead", Ct));
        Assert.Null(await Db.KeyTimeToLiveAsync(prefix + "m:x:dead"));
        _time.Advance(Retention + TimeSpan.FromSeconds(1));
        Assert.True(await store.TryAcceptAsync(Message("x:done"), Ct));
        Assert.Null(await Db.KeyTimeToLiveAsync(prefix + "m:x:done"));
    }

    [Fact]
    public async Task A_settled_record_really_disappears_from_the_server_when_its_expiry_passes_without_any_purge()
    {
        var prefix = RedisTestServer.UniquePrefix();
        await using var store = new RedisInboxStore(
            RedisConnection.Borrow(server.Multiplexer), prefix, TimeProvider.System, TimeSpan.FromMilliseconds(300), TestStores.Timeout, expiryMargin: TimeSpan.FromMilliseconds(200));
        Assert.True(await store.TryAcceptAsync(Message("gone:1"), Ct));
        Assert.True(await store.CompleteAsync(Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct)), Ct));
        Assert.True(await Db.KeyExistsAsync(prefix + "m:gone:1"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await Db.KeyExistsAsync(prefix + "m:gone:1") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(await Db.KeyExistsAsync(prefix + "m:gone:1"));
        Assert.False(await store.ExistsAsync("gone:1", Ct));
    }

    [Fact]
    public async Task Without_any_purge_settling_trims_index_entries_whose_records_have_expired()
    {
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, _time, Retention, prefix);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await store.TryAcceptAsync(Message($"old:{i}"), Ct));
        }

        var leases = await store.LeaseAsync("w", 5, LeaseDuration, Ct);
        Assert.True(await store.CompleteAsync(leases[0], Ct));
        Assert.True(await store.CompleteAsync(leases[1], Ct));
        Assert.True(await store.DeadLetterAsync(leases[2], Failure(), Ct));
        Assert.True(await store.DeadLetterAsync(leases[3], Failure(), Ct));
        Assert.Equal(2, await Db.SortedSetLengthAsync(prefix + "c"));
        Assert.Equal(2, await Db.SortedSetLengthAsync(prefix + "d"));

        // Past retention + margin the records' own expiry has removed them; the next settlements drop their entries.
        _time.Advance(Retention + RedisInboxStore.DefaultExpiryMargin + TimeSpan.FromSeconds(1));
        Assert.True(await store.TryAcceptAsync(Message("new:1"), Ct));
        Assert.True(await store.TryAcceptAsync(Message("new:2"), Ct));
        var fresh = (await store.LeaseAsync("w", 10, LeaseDuration, Ct)).Where(l => l.Message.Id.StartsWith("new:", StringComparison.Ordinal)).ToList();
        Assert.True(await store.CompleteAsync(fresh[0], Ct));
        Assert.True(await store.DeadLetterAsync(fresh[1], Failure(), Ct));
        Assert.Equal(1, await Db.SortedSetLengthAsync(prefix + "c"));
        Assert.Equal(1, await Db.SortedSetLengthAsync(prefix + "d"));
    }

    [Fact]
    public async Task A_one_mebibyte_binary_body_round_trips_and_completion_drops_it_from_the_server()
    {
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, _time, Retention, prefix);
        var body = new byte[1024 * 1024];
        new Random(42).NextBytes(body);
        Assert.True(await store.TryAcceptAsync(Message("big:1", body), Ct));

        var lease = Assert.Single(await store.LeaseAsync("w", 1, LeaseDuration, Ct));
        Assert.Equal(body, lease.Message.Body.ToArray());
        Assert.True(await Db.HashExistsAsync(prefix + "m:big:1", "b"));
        Assert.True(await store.CompleteAsync(lease, Ct));
        Assert.False(await Db.HashExistsAsync(prefix + "m:big:1", "b"));
        Assert.True((await store.GetAsync("big:1", Ct))!.Message.Body.IsEmpty);
    }

    [Fact]
    public async Task A_record_deleted_behind_the_stores_back_is_forgotten_instead_of_leased_again_and_again()
    {
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, _time, Retention, prefix);
        Assert.True(await store.TryAcceptAsync(Message("lost:1"), Ct));
        Assert.True(await store.TryAcceptAsync(Message("kept:1"), Ct));
        Assert.True(await Db.KeyDeleteAsync(prefix + "m:lost:1"));

        Assert.Equal(["kept:1"], (await store.LeaseAsync("w", 10, LeaseDuration, Ct)).Select(l => l.Message.Id));
        _time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.Equal(["kept:1"], (await store.LeaseAsync("w", 10, LeaseDuration, Ct)).Select(l => l.Message.Id));
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal((0, 1), (stats.Queued, stats.Running));
    }

    [Fact]
    public async Task Receivers_on_separate_connections_accept_each_id_once_and_never_lease_one_record_twice()
    {
        const int Instances = 4;
        const int Ids = 300;
        var prefix = RedisTestServer.UniquePrefix();
        var stores = Enumerable.Range(0, Instances).Select(_ => TestStores.OwnConnection(server.Endpoint, _time, Retention, prefix)).ToArray();
        try
        {
            // Every instance receives every delivery (a re-send, two webhooks): each id is accepted exactly once.
            var accepted = await Task.WhenAll(stores.Select(store => Task.Run(async () =>
            {
                var count = 0;
                for (var i = 0; i < Ids; i++)
                {
                    count += await store.TryAcceptAsync(Message($"c:{i}"), Ct) ? 1 : 0;
                }

                return count;
            })));
            Assert.Equal(Ids, accepted.Sum());

            // Each instance drains with lease + complete; the leases never expire here, so no record may be leased twice.
            var leased = new ConcurrentBag<string>();
            var completed = 0;
            var stop = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            await Task.WhenAll(stores.Select((store, n) => Task.Run(async () =>
            {
                while (Volatile.Read(ref completed) < Ids && DateTime.UtcNow < stop)
                {
                    var leases = await store.LeaseAsync($"instance-{n}", 7, TimeSpan.FromHours(1), Ct);
                    foreach (var lease in leases)
                    {
                        leased.Add(lease.Message.Id);
                        Assert.True(await store.CompleteAsync(lease, Ct));
                        Interlocked.Increment(ref completed);
                    }

                    if (leases.Count == 0)
                    {
                        await Task.Delay(5);
                    }
                }
            })));

            Assert.Equal(Ids, leased.Count);
            Assert.Equal(Ids, leased.Distinct().Count());
            var stats = await stores[0].GetStatsAsync(Ct);
            Assert.Equal((0, 0), (stats.Queued, stats.Running));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Cancellation_ends_a_call_to_a_stalled_server_at_once_and_a_cancelled_token_sends_nothing()
    {
        await using var proxy = new RespProxy(server.Endpoint);
        await using var store = TestStores.OwnConnection(proxy.Endpoint, _time, Retention, RedisTestServer.UniquePrefix(), TimeSpan.FromMinutes(1));
        Assert.True(await store.TryAcceptAsync(Message("cancel:0"), Ct));

        proxy.Clear();
        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.TryAcceptAsync(Message("cancel:1"), cancelled.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.LeaseAsync("w", 1, LeaseDuration, cancelled.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PurgeExpiredAsync(cancelled.Token));
        }

        Assert.Empty(proxy.DataCommands);

        proxy.Pause();
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.TryAcceptAsync(Message("cancel:2"), soon.Token));
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        proxy.Resume();
    }

    [Fact]
    public async Task A_call_past_OperationTimeout_says_how_long_it_waited_in_words()
    {
        await using var proxy = new RespProxy(server.Endpoint);
        // The connection's own timeout is long, so the store's one-second budget is what runs out.
        await using var store = new RedisInboxStore(
            RedisConnection.Own(proxy.Endpoint, TimeSpan.FromMinutes(1)), RedisTestServer.UniquePrefix(), _time, Retention, TimeSpan.FromSeconds(1));
        await Eventually(() => store.TryAcceptAsync(Message("words:0"), Ct));

        proxy.Pause();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => store.ExistsAsync("words:0", Ct));
        proxy.Resume();

        Assert.Equal(
            "The DocMap inbox's Redis store did not answer within 1 second (DocMapRedisInboxOptions.OperationTimeout); the server may be down, unreachable or overloaded.",
            error.Message);
    }

    [Fact]
    public async Task A_stalled_server_makes_every_call_fail_within_the_timeout_and_calls_work_again_once_it_answers()
    {
        await using var proxy = new RespProxy(server.Endpoint);
        var timeout = TimeSpan.FromSeconds(1);
        await using var store = TestStores.OwnConnection(proxy.Endpoint, _time, Retention, RedisTestServer.UniquePrefix(), timeout);

        // Connecting and loading the script may take longer than the short timeout on a busy machine: retry until warm.
        await Eventually(() => store.TryAcceptAsync(Message("stall:0"), Ct));
        Assert.True(await store.ExistsAsync("stall:0", Ct));

        proxy.Pause();
        Func<Task>[] calls =
        [
            () => store.TryAcceptAsync(Message("stall:1"), Ct),
            () => store.LeaseAsync("w", 1, LeaseDuration, Ct),
            () => store.ExistsAsync("stall:0", Ct),
            () => store.GetStatsAsync(Ct),
        ];
        foreach (var call in calls)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAnyAsync<Exception>(call);
            Assert.True(error is TimeoutException or RedisException, error.ToString());
            Assert.InRange(started.Elapsed, TimeSpan.Zero, timeout + TimeSpan.FromSeconds(5));
        }

        proxy.Resume();

        // Calls given up on may still run once the server answers, so the first one that succeeds may find its own
        // earlier attempt: what matters is that calls succeed again and the record is there.
        await Eventually(() => store.TryAcceptAsync(Message("stall:2"), Ct));
        Assert.True(await store.ExistsAsync("stall:2", Ct));
        Assert.True(await store.ExistsAsync("stall:0", Ct));
    }
}

public sealed class GarnetStoreBehaviourTests(GarnetServerFixture server) : RedisStoreBehaviourTests(server), IClassFixture<GarnetServerFixture>;

#if DOCMAP_TEST_REDIS
public sealed class RealRedisStoreBehaviourTests(RealRedisServerFixture server) : RedisStoreBehaviourTests(server), IClassFixture<RealRedisServerFixture>;
#endif

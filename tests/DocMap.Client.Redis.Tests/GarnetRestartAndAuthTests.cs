using System.Diagnostics;
using System.Text;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using StackExchange.Redis;

namespace DocMap.Client.Redis.Tests;

/// <summary>Servers that go away and come back, and servers that refuse the password: each test runs its own Garnet.</summary>
public sealed class GarnetRestartAndAuthTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static CancellationToken Ct => CancellationToken.None;

    private static InboxMessage Message(string id) => new()
    {
        Id = id,
        Endpoint = "/webhooks/docmap",
        EventType = "extraction.completed",
        ExtractionId = "ext_" + id,
        Body = Encoding.UTF8.GetBytes("{\"extractionId\":\"ext_" + id + "\"}"),
        AcceptedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task A_stopped_server_fails_calls_within_the_timeout_and_a_restarted_one_serves_the_same_store_again()
    {
        using var garnet = GarnetHost.Start();
        var timeout = TimeSpan.FromSeconds(1);
        await using var store = TestStores.OwnConnection(garnet.Endpoint, TimeProvider.System, Retention, RedisTestServer.UniquePrefix(), timeout);
        await RedisStoreBehaviourTests.Eventually(() => store.TryAcceptAsync(Message("r:before"), Ct));
        Assert.True(await store.ExistsAsync("r:before", Ct));

        garnet.Stop();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.StartNew();
            var error = await Assert.ThrowsAnyAsync<Exception>(() => store.TryAcceptAsync(Message($"r:down{i}"), Ct));
            Assert.True(error is TimeoutException or RedisException, error.ToString());
            Assert.InRange(started.Elapsed, TimeSpan.Zero, timeout + TimeSpan.FromSeconds(5));
        }

        await Assert.ThrowsAnyAsync<Exception>(() => store.LeaseAsync("w", 10, TimeSpan.FromSeconds(30), Ct));

        // Same port, empty server (no persistence, no scripts loaded): the same store reconnects and reloads its scripts.
        garnet.Start();
        await RedisStoreBehaviourTests.Eventually(() => store.TryAcceptAsync(Message("r:after"), Ct));
        Assert.True(await store.ExistsAsync("r:after", Ct));
        Assert.Contains("r:after", (await store.LeaseAsync("w", 10, TimeSpan.FromSeconds(30), Ct)).Select(l => l.Message.Id));
    }

    [Fact]
    public async Task A_refused_or_unreachable_connection_never_shows_the_password_in_an_exception()
    {
        const string Password = "p4ss-W0RD-that-must-not-leak";
        using var garnet = GarnetHost.Start("--auth", "Password", "--password", "the-right-one");
        // Failing while connecting (abortConnect=true), failing commands while disconnected (the client's own timeout,
        // shorter than the store's), and a closed port: the client library's messages, not only the store's timeout.
        var attempts = new[]
        {
            $"{garnet.Endpoint},password={Password},abortConnect=true,connectTimeout=2000",
            $"{garnet.Endpoint},password={Password},asyncTimeout=500,connectTimeout=1000",
            $"127.0.0.1:1,password={Password},abortConnect=true,connectTimeout=500",
        };
        var redisErrors = 0;
        foreach (var configuration in attempts)
        {
            await using var store = new RedisInboxStore(RedisConnection.Own(configuration, TimeSpan.FromSeconds(3)), "{leak}:", TimeProvider.System, Retention, TimeSpan.FromSeconds(3));
            var error = await Assert.ThrowsAnyAsync<Exception>(() => store.TryAcceptAsync(Message("a:1"), Ct));
            redisErrors += error is RedisException ? 1 : 0;
            Assert.DoesNotContain(Password, Describe(error), StringComparison.Ordinal);
            var second = await Assert.ThrowsAnyAsync<Exception>(() => store.GetStatsAsync(Ct));
            Assert.DoesNotContain(Password, Describe(second), StringComparison.Ordinal);
            redisErrors += second is RedisException ? 1 : 0;
        }

        Assert.True(redisErrors >= 3, $"only {redisErrors} of the failures came from the client library");
    }

    /// <summary>Everything a log would show of an exception: its ToString (inner exceptions included) and its data.</summary>
    private static string Describe(Exception error)
    {
        var text = new StringBuilder(error.ToString());
        for (var e = error; e is not null; e = e.InnerException)
        {
            foreach (System.Collections.DictionaryEntry entry in e.Data)
            {
                text.Append(entry.Key).Append('=').Append(entry.Value).AppendLine();
            }
        }

        return text.ToString();
    }
}

#if DOCMAP_TEST_REDIS
using System.Text;
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Redis.Tests;

/// <summary>What only a real redis-server shows: how compactly it stores a completed record.</summary>
public sealed class RealRedisOnlyTests(RealRedisServerFixture server) : IClassFixture<RealRedisServerFixture>
{
    [Fact]
    public async Task A_completed_record_is_rewritten_compact_after_its_large_body_is_dropped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 20, 14, 30, 4, TimeSpan.Zero));
        var prefix = RedisTestServer.UniquePrefix();
        var store = TestStores.OnShared(server, time, TimeSpan.FromDays(7), prefix);
        var db = server.Multiplexer.GetDatabase();
        var message = new InboxMessage
        {
            Id = "ext_12345678:extraction.completed",
            Endpoint = "/webhooks/docmap",
            EventType = "extraction.completed",
            ExtractionId = "ext_12345678",
            Body = Encoding.ASCII.GetBytes(new string('x', 1024)),
            AcceptedAt = time.GetUtcNow(),
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        Assert.True(await store.TryAcceptAsync(message, CancellationToken.None));
        var key = prefix + "m:" + message.Id;
        Assert.Equal("hashtable", (string?)await db.ExecuteAsync("OBJECT", "ENCODING", key));

        Assert.True(await store.CompleteAsync(Assert.Single(await store.LeaseAsync("w", 1, TimeSpan.FromSeconds(30), CancellationToken.None)), CancellationToken.None));
        Assert.Contains((string?)await db.ExecuteAsync("OBJECT", "ENCODING", key), new[] { "listpack", "ziplist" });
        Assert.InRange((long)await db.ExecuteAsync("MEMORY", "USAGE", key), 1, 400);
        Assert.NotNull(await db.KeyTimeToLiveAsync(key));
    }
}
#endif

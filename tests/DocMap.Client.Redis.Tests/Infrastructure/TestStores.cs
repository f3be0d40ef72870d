using DocMap.Client.Redis.Internal;

namespace DocMap.Client.Redis.Tests.Infrastructure;

internal static class TestStores
{
    /// <summary>Generous: the machine running the tests may be busy.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A store on the server's shared connection (borrowed, so disposing the store leaves it open).</summary>
    public static RedisInboxStore OnShared(RedisTestServer server, TimeProvider time, TimeSpan retention, string? prefix = null) =>
        new(RedisConnection.Borrow(server.Multiplexer), prefix ?? RedisTestServer.UniquePrefix(), time, retention, Timeout);

    /// <summary>A store with a connection of its own, as a separate receiver instance has.</summary>
    public static RedisInboxStore OwnConnection(string endpoint, TimeProvider time, TimeSpan retention, string prefix, TimeSpan? timeout = null) =>
        new(RedisConnection.Own(endpoint, timeout ?? Timeout), prefix, time, retention, timeout ?? Timeout);
}

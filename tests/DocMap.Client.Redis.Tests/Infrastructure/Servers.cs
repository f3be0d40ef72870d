using StackExchange.Redis;

namespace DocMap.Client.Redis.Tests.Infrastructure;

/// <summary>A RESP server the tests run against, with one shared connection.</summary>
public abstract class RedisTestServer : IAsyncLifetime
{
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>host:port.</summary>
    public abstract string Endpoint { get; }

    /// <summary>Which server this is, for messages.</summary>
    public abstract string Kind { get; }

    /// <summary>A connection shared by the tests of one class (each test uses its own key prefix).</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("The server is not started.");

    public virtual async Task InitializeAsync() => _multiplexer = await ConnectionMultiplexer.ConnectAsync(Endpoint);

    public virtual async Task DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }
    }

    /// <summary>A key prefix no other test uses, with its own hash tag.</summary>
    public static string UniquePrefix() => "{t" + Guid.NewGuid().ToString("N")[..16] + "}:";
}

/// <summary>An embedded Garnet server, one per test class.</summary>
public sealed class GarnetServerFixture : RedisTestServer
{
    private GarnetHost? _host;

    public override string Endpoint => _host?.Endpoint ?? throw new InvalidOperationException("The server is not started.");

    public override string Kind => "Garnet";

    public override Task InitializeAsync()
    {
        _host = GarnetHost.Start();
        return base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _host?.Dispose();
    }
}

/// <summary>
/// The real redis-server named by <c>DOCMAP_TEST_REDIS</c> (host:port), which .ci/run starts. The classes that use it
/// are compiled only when the variable was set at build time (see the project file); <see cref="RedisServerSuiteGuardTests"/>
/// fails when the build and the environment disagree, and in CI when the variable is missing.
/// </summary>
public sealed class RealRedisServerFixture : RedisTestServer
{
    public const string Variable = "DOCMAP_TEST_REDIS";

    public override string Endpoint =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } endpoint
            ? endpoint
            : throw new InvalidOperationException($"{Variable} is not set: the redis-server tests need host:port of a running redis-server.");

    public override string Kind => "redis-server";
}

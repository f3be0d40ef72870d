using DocMap.Client.Redis.Tests.Infrastructure;

namespace DocMap.Client.Redis.Tests;

/// <summary>
/// The redis-server classes exist in the run only when DOCMAP_TEST_REDIS was set at build time. This guard makes the
/// other cases loud: built with them but run without the variable, built without them but run with it (rebuild), or a
/// CI run (CI=true) without a redis-server at all.
/// </summary>
public sealed class RedisServerSuiteGuardTests
{
    [Fact]
    public void The_real_redis_server_suite_is_compiled_exactly_when_DOCMAP_TEST_REDIS_is_set_and_CI_always_runs_it()
    {
        var endpoint = Environment.GetEnvironmentVariable(RealRedisServerFixture.Variable);
#if DOCMAP_TEST_REDIS
        Assert.False(string.IsNullOrWhiteSpace(endpoint), $"The test project was built with the redis-server suite, but {RealRedisServerFixture.Variable} is not set now.");
#else
        Assert.True(string.IsNullOrWhiteSpace(endpoint), $"{RealRedisServerFixture.Variable} is set, but the test project was built without the redis-server suite: rebuild it with the variable set.");
        Assert.False(
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"CI must run the store suite against a real redis-server: set {RealRedisServerFixture.Variable} to its host:port (.ci/run does).");
#endif
    }
}

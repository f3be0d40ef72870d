using System.Text;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace DocMap.Client.Redis.Tests;

/// <summary>UseRedis: each overload resolves a working store, owns only the connection it opened, and validates its settings.</summary>
public sealed class RegistrationTests(GarnetServerFixture server) : IClassFixture<GarnetServerFixture>
{
    private static CancellationToken Ct => CancellationToken.None;

    private static InboxMessage Message(string id) => new()
    {
        Id = id,
        Endpoint = "/webhooks/docmap",
        EventType = "extraction.completed",
        ExtractionId = "ext_" + id,
        Body = Encoding.UTF8.GetBytes("{}"),
        AcceptedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task UseRedis_with_a_configuration_string_opens_its_own_connection_and_closes_it_with_the_services()
    {
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(o => o.Retention = TimeSpan.FromHours(2)).UseRedis(server.Endpoint);
        IConnectionMultiplexer multiplexer;
        await using (var provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<RedisInboxStore>(provider.GetRequiredService<IDocMapWebhookInboxStore>());
            Assert.Same(store, provider.GetRequiredService<IDocMapWebhookInboxStore>());
            Assert.True(store.Connection.OwnsMultiplexer);
            Assert.Equal(DocMapRedisInboxOptions.DefaultKeyPrefix, store.Keys.Prefix);

            var id = "reg:" + Guid.NewGuid().ToString("N");
            Assert.True(await store.TryAcceptAsync(Message(id), Ct));
            Assert.True(await store.ExistsAsync(id, Ct));
            multiplexer = store.Connection.CurrentMultiplexer!;
            Assert.True(multiplexer.IsConnected);
            Assert.True(await server.Multiplexer.GetDatabase().KeyExistsAsync(DocMapRedisInboxOptions.DefaultKeyPrefix + "m:" + id));
        }

        Assert.False(multiplexer.IsConnected);
    }

    [Fact]
    public async Task UseRedis_with_options_uses_the_prefix_the_timeout_the_inbox_retention_and_the_apps_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var prefix = RedisTestServer.UniquePrefix();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddDocMapWebhookInbox(o => o.Retention = TimeSpan.FromMinutes(10)).UseRedis(o =>
        {
            o.Configuration = server.Endpoint;
            o.KeyPrefix = prefix;
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IDocMapWebhookInboxStore>();
        Assert.Equal(prefix, Assert.IsType<RedisInboxStore>(store).Keys.Prefix);

        Assert.True(await store.TryAcceptAsync(Message("opt:1"), Ct));
        Assert.True(await store.CompleteAsync(Assert.Single(await store.LeaseAsync("w", 1, TimeSpan.FromSeconds(30), Ct)), Ct));
        Assert.Equal(time.GetUtcNow(), (await store.GetAsync("opt:1", Ct))!.SettledAt);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(await store.ExistsAsync("opt:1", Ct));
    }

    [Fact]
    public async Task UseRedis_without_a_configuration_uses_the_multiplexer_in_the_services_and_never_disposes_it()
    {
        var services = new ServiceCollection();
        services.AddSingleton(server.Multiplexer);
        services.AddDocMapWebhookInbox().UseRedis(o => o.KeyPrefix = RedisTestServer.UniquePrefix());
        await using (var provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<RedisInboxStore>(provider.GetRequiredService<IDocMapWebhookInboxStore>());
            Assert.False(store.Connection.OwnsMultiplexer);
            Assert.Same(server.Multiplexer, store.Connection.CurrentMultiplexer);
            Assert.True(await store.TryAcceptAsync(Message("di:1"), Ct));
        }

        Assert.True(server.Multiplexer.IsConnected);
        Assert.True(await server.Multiplexer.GetDatabase().PingAsync() >= TimeSpan.Zero);

        var plain = new ServiceCollection();
        plain.AddSingleton(server.Multiplexer);
        plain.AddDocMapWebhookInbox().UseRedis();
        await using var plainProvider = plain.BuildServiceProvider();
        Assert.Same(server.Multiplexer, Assert.IsType<RedisInboxStore>(plainProvider.GetRequiredService<IDocMapWebhookInboxStore>()).Connection.CurrentMultiplexer);
    }

    [Fact]
    public async Task UseRedis_without_a_configuration_or_a_multiplexer_says_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox().UseRedis();
        await using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IDocMapWebhookInboxStore>());
        Assert.Contains("IConnectionMultiplexer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseRedis_with_a_bad_configuration_string_throws_naming_the_parameter_and_never_quoting_the_string()
    {
        var builder = new ServiceCollection().AddDocMapWebhookInbox();
        Assert.Throws<ArgumentNullException>("builder", () => DocMapRedisInboxBuilderExtensions.UseRedis(null!, "localhost"));
        Assert.Throws<ArgumentNullException>("configuration", () => builder.UseRedis((string)null!));
        Assert.Throws<ArgumentNullException>("configure", () => builder.UseRedis((Action<DocMapRedisInboxOptions>)null!));
        Assert.Throws<ArgumentException>("configuration", () => builder.UseRedis(" "));
        Assert.Throws<ArgumentException>("configuration", () => builder.UseRedis("password=only-a-password"));

        var error = Assert.Throws<ArgumentException>("configuration", () => builder.UseRedis("localhost:6379,password=Sup3r-Secret,connectTimeout=soon"));
        Assert.DoesNotContain("Sup3r-Secret", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("soon", error.Message, StringComparison.Ordinal);
        Assert.Contains("connectTimeout", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Theory]
    [InlineData("", "1 to 100 characters")]
    [InlineData("docmap:inbox:", "hash tag")]
    [InlineData("{}:inbox:", "hash tag")]
    [InlineData("inbox:{", "hash tag")]
    [InlineData("}inbox{:", "hash tag")]
    [InlineData("{in box}:", "printable ASCII characters and no spaces")]
    [InlineData("{inbox}:\u00e9", "printable ASCII characters and no spaces")]
    [InlineData("{inbox}:\t", "printable ASCII characters and no spaces")]
    public void A_bad_key_prefix_fails_validation_with_a_message_naming_the_setting(string prefix, string expected)
    {
        var error = ResolveOptionsError(o => o.KeyPrefix = prefix);
        Assert.Contains("DocMapRedisInboxOptions.KeyPrefix", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_prefix_limits_and_valid_forms()
    {
        Assert.Contains("1 to 100 characters", ResolveOptionsError(o => o.KeyPrefix = "{a}" + new string('x', 98)), StringComparison.Ordinal);
        Assert.Contains("1 to 100 characters", ResolveOptionsError(o => o.KeyPrefix = null!), StringComparison.Ordinal);
        foreach (var valid in new[] { "{a}" + new string('x', 97), "{a}", "app:{inbox}:", "{docmap:inbox}:", "x{y}z{" })
        {
            Assert.Null(RedisInboxOptionsValidator.KeyPrefixProblem(valid));
        }
    }

    [Fact]
    public void A_bad_timeout_or_configuration_fails_validation_without_quoting_the_configuration()
    {
        Assert.Contains("OperationTimeout must be between 1 millisecond and 5 minutes", ResolveOptionsError(o => o.OperationTimeout = TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Contains("OperationTimeout must be between 1 millisecond and 5 minutes", ResolveOptionsError(o => o.OperationTimeout = TimeSpan.FromMinutes(6)), StringComparison.Ordinal);
        Assert.Contains("must not be empty", ResolveOptionsError(o => o.Configuration = ""), StringComparison.Ordinal);
        var error = ResolveOptionsError(o => o.Configuration = "localhost,password=hunter2-secret,syncTimeout=later");
        Assert.Contains("'syncTimeout'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", error, StringComparison.Ordinal);
        Assert.DoesNotContain("later", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_with_invalid_Redis_store_settings_does_not_start()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddDocMapWebhookInbox().UseRedis(o =>
        {
            o.Configuration = "localhost:6379,password=never-shown-123";
            o.KeyPrefix = "no-hash-tag:";
        });
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("KeyPrefix must contain a Redis hash tag", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-123", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_describe_themselves_without_the_configuration_string()
    {
        var options = new DocMapRedisInboxOptions { Configuration = "redis.internal:6380,password=hunter2-secret,ssl=true" };
        Assert.DoesNotContain("hunter2-secret", options.ToString(), StringComparison.Ordinal);
        Assert.Equal("DocMapRedisInboxOptions { KeyPrefix = {docmap:inbox}:, OperationTimeout = 00:00:02, Configuration = (set) }", options.ToString());
        Assert.Equal(TimeSpan.FromSeconds(2), new DocMapRedisInboxOptions().OperationTimeout);
    }

    /// <summary>The validation failure message when the options are first read (which ValidateOnStart does at start-up).</summary>
    private static string ResolveOptionsError(Action<DocMapRedisInboxOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox().UseRedis(configure);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DocMapRedisInboxOptions>>().Value);
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IDocMapWebhookInboxStore>());
        return error.Message;
    }
}

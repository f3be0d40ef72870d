using DocMap.Client.Redis;
using DocMap.Client.Redis.Internal;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>Selects the Redis / Valkey / Garnet store for the DocMap delivery inbox (the <c>DocMap.Client.Redis</c> package).</summary>
public static class DocMapRedisInboxBuilderExtensions
{
    /// <summary>
    /// Keeps the inbox on the Redis server(s) named by a StackExchange.Redis configuration string (for example
    /// <c>localhost:6379</c>, or the value of <c>DocMap:Webhooks:Inbox:Redis</c>), under the default key prefix. The store
    /// opens its own connection on first use, reconnects while the server is away, and closes it when the app's services
    /// are disposed.
    /// </summary>
    /// <param name="builder">The inbox builder returned by <c>AddDocMapWebhookInbox</c>.</param>
    /// <param name="configuration">The configuration string. It is never logged or quoted in an exception message.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is empty or not a valid configuration string.</exception>
    public static DocMapWebhookInboxBuilder UseRedis(this DocMapWebhookInboxBuilder builder, string configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        if (RedisInboxOptionsValidator.ConfigurationProblem(configuration) is { } problem)
        {
            throw new ArgumentException(problem, nameof(configuration));
        }

        return UseRedisCore(builder, options => options.Configuration = configuration);
    }

    /// <summary>
    /// Keeps the inbox on Redis with settings set in code: <see cref="DocMapRedisInboxOptions.Configuration"/> for a
    /// connection the store opens and owns (left <see langword="null"/>, the <see cref="IConnectionMultiplexer"/> registered
    /// in the app's services is used and never disposed), the key prefix and the per-call timeout. Validated when the
    /// app starts.
    /// </summary>
    /// <param name="builder">The inbox builder returned by <c>AddDocMapWebhookInbox</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static DocMapWebhookInboxBuilder UseRedis(this DocMapWebhookInboxBuilder builder, Action<DocMapRedisInboxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return UseRedisCore(builder, configure);
    }

    /// <summary>
    /// Keeps the inbox on Redis through the <see cref="IConnectionMultiplexer"/> registered in the app's services (which
    /// the app owns: the store never disposes it), under the default key prefix.
    /// </summary>
    /// <param name="builder">The inbox builder returned by <c>AddDocMapWebhookInbox</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static DocMapWebhookInboxBuilder UseRedis(this DocMapWebhookInboxBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return UseRedisCore(builder, null);
    }

    private static DocMapWebhookInboxBuilder UseRedisCore(DocMapWebhookInboxBuilder builder, Action<DocMapRedisInboxOptions>? configure)
    {
        var options = builder.Services.AddOptions<DocMapRedisInboxOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DocMapRedisInboxOptions>, RedisInboxOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder.UseStore(CreateStore);
    }

    private static IDocMapWebhookInboxStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<DocMapRedisInboxOptions>>().Value;
        var inbox = services.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value;
        var connection = options.Configuration is { } configuration
            ? RedisConnection.Own(configuration, options.OperationTimeout)
            : RedisConnection.Borrow(services.GetService<IConnectionMultiplexer>() ?? throw new InvalidOperationException(
                "The DocMap inbox's Redis store has no connection: register an IConnectionMultiplexer in the services, " +
                "or pass a configuration string to UseRedis (or set DocMapRedisInboxOptions.Configuration)."));
        return new RedisInboxStore(connection, options.KeyPrefix, services.GetRequiredService<TimeProvider>(), inbox.Retention, options.OperationTimeout);
    }
}

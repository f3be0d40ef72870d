namespace DocMap.Client.Redis;

/// <summary>
/// Settings of the DocMap delivery inbox's Redis store (Redis 6.2 or later, Valkey, or Garnet started with
/// <c>--lua --lua-transaction-mode</c>), set through <c>UseRedis</c> and validated when the app starts.
/// </summary>
public sealed class DocMapRedisInboxOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>: <c>{docmap:inbox}:</c>.</summary>
    public const string DefaultKeyPrefix = "{docmap:inbox}:";

    /// <summary>The longest <see cref="KeyPrefix"/>: 100 characters.</summary>
    public const int MaxKeyPrefixLength = 100;

    /// <summary>
    /// A StackExchange.Redis configuration string, for example <c>localhost:6379</c> or
    /// <c>redis.internal:6380,ssl=true,password=…</c>. When set, the store opens its own connection (on first use, and
    /// keeps reconnecting while the server is away) and closes it when the app's services are disposed. When
    /// <see langword="null"/>, the store uses the <c>IConnectionMultiplexer</c> registered in the app's services and
    /// never disposes it. The string (its password in particular) never appears in a log or an exception message.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// What every key of the inbox starts with; several inboxes (apps, environments) can share one server under
    /// different prefixes. It must contain a Redis hash tag (a non-empty part in braces, such as <c>{docmap:inbox}</c>)
    /// so that every key of the inbox falls in one hash slot, which the store's multi-key scripts need on Redis
    /// Cluster. 1 to 100 printable ASCII characters, no spaces. Default <c>{docmap:inbox}:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>
    /// The most time one store call may take (connecting included) before it fails with a <see cref="TimeoutException"/>,
    /// so that the webhook endpoint answers 503 quickly instead of hanging while Redis is down or slow (DocMap waits
    /// 10 seconds for an answer). 2 seconds by default; between 1 millisecond and 5 minutes.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Describes the settings without the configuration string (which may hold a password).</summary>
    /// <returns>For example <c>DocMapRedisInboxOptions { KeyPrefix = {docmap:inbox}:, OperationTimeout = 00:00:02, Configuration = (set) }</c>.</returns>
    public override string ToString() =>
        $"DocMapRedisInboxOptions {{ KeyPrefix = {KeyPrefix}, OperationTimeout = {OperationTimeout}, Configuration = {(Configuration is null ? "(from services)" : "(set)")} }}";
}

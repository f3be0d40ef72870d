using StackExchange.Redis;

namespace DocMap.Client.Redis.Internal;

/// <summary>
/// Where the store's <see cref="IDatabase"/> comes from: a multiplexer the app owns (never disposed here), or one this
/// class opens from a configuration string on first use and disposes with the store. An owned connection is opened
/// with <c>abortConnect=false</c> (unless the string says otherwise), so a server that is down at start-up or later is
/// reconnected in the background instead of failing every call for good.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly IConnectionMultiplexer? _borrowed;
    private readonly ConfigurationOptions? _configuration;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private bool _disposed;

    private RedisConnection(IConnectionMultiplexer? borrowed, ConfigurationOptions? configuration)
    {
        _borrowed = borrowed;
        _configuration = configuration;
    }

    /// <summary>Uses a multiplexer owned by someone else.</summary>
    public static RedisConnection Borrow(IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return new RedisConnection(multiplexer, null);
    }

    /// <summary>Opens (lazily) and owns a multiplexer for <paramref name="configuration"/>, a validated configuration string.</summary>
    public static RedisConnection Own(string configuration, TimeSpan operationTimeout)
    {
        var options = ConfigurationOptions.Parse(configuration);
        if (!Mentions(configuration, "abortConnect"))
        {
            options.AbortOnConnectFail = false;
        }

        if (!Mentions(configuration, "asyncTimeout"))
        {
            // Commands queued while disconnected give up with the store call rather than running much later.
            options.AsyncTimeout = (int)Math.Clamp(operationTimeout.TotalMilliseconds, 1, int.MaxValue);
        }

        return new RedisConnection(null, options);
    }

    /// <summary>Whether this instance opened the multiplexer itself (and so disposes it).</summary>
    public bool OwnsMultiplexer => _borrowed is null;

    /// <summary>The multiplexer once it exists (for tests and diagnostics); an owned one is <see langword="null"/> before first use.</summary>
    internal IConnectionMultiplexer? CurrentMultiplexer =>
        _borrowed ?? (_connecting is { IsCompletedSuccessfully: true } task ? task.Result : null);

    /// <summary>The database, connecting first when this instance owns the connection and has not connected yet.</summary>
    public ValueTask<IDatabase> GetDatabaseAsync()
    {
        if (_borrowed is not null)
        {
            return ValueTask.FromResult(_borrowed.GetDatabase());
        }

        var connecting = _connecting;
        if (connecting is { IsCompletedSuccessfully: true })
        {
            return ValueTask.FromResult<IDatabase>(connecting.Result.GetDatabase());
        }

        return new ValueTask<IDatabase>(ConnectAsync());
    }

    private async Task<IDatabase> ConnectAsync()
    {
        Task<ConnectionMultiplexer> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // A failed attempt (only possible with abortConnect=true, or a bad endpoint) is forgotten, so the next call retries.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectionMultiplexer.ConnectAsync(_configuration!.Clone());
            }

            connecting = _connecting;
        }

        var multiplexer = await connecting.ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connecting = _connecting;
        }

        if (connecting is null)
        {
            return;
        }

        try
        {
            var multiplexer = await connecting.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            // It never connected: nothing to close.
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static bool Mentions(string configuration, string keyword)
    {
        foreach (var part in configuration.Split(','))
        {
            var trimmed = part.AsSpan().Trim();
            if (trimmed.StartsWith(keyword, StringComparison.OrdinalIgnoreCase) && trimmed[keyword.Length..].TrimStart().StartsWith("="))
            {
                return true;
            }
        }

        return false;
    }
}

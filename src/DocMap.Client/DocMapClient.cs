using DocMap.Client.Internal;

namespace DocMap.Client;

/// <summary>Creates DocMap clients for code that does not use dependency injection.</summary>
public static class DocMapClient
{
    /// <summary>
    /// One connection pool for every client this class creates: calling <see cref="Create(string, DocMapClientOptions?)"/>
    /// often reuses connections instead of exhausting sockets, and connections are recycled every two minutes so DNS
    /// changes are picked up. It follows no redirect (DocMap's API does not redirect; see <see cref="DocMapRedirects"/>).
    /// It decompresses gzip, deflate and brotli: JSON lists compress several-fold, the decompressor streams, and
    /// <see cref="DocMapClientOptions.MaxResponseBytes"/> counts the decompressed bytes, so a compression bomb stops at the cap.
    /// </summary>
    internal static readonly SocketsHttpHandler SharedHandler = new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        AllowAutoRedirect = false,
    };

    /// <summary>
    /// Creates a client with the same pipeline as <c>AddDocMapClient</c> (authentication, User-Agent, retries of
    /// GET and DELETE, timeouts, response size limits, no redirects, typed errors) over a shared, pooled connection handler. Cheap to call; the client is
    /// thread-safe and needs no disposal.
    /// </summary>
    /// <param name="apiKey">The DocMap API key: printable ASCII without whitespace or control characters (it overrides <see cref="DocMapClientOptions.ApiKey"/>).</param>
    /// <param name="options">Other settings; <see langword="null"/> for the defaults. The client keeps a copy.</param>
    /// <returns>The client.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="apiKey"/> is <see langword="null"/> (for example an unset <c>DOCMAP_API_KEY</c>); the message says where a key comes from.</exception>
    /// <exception cref="ArgumentException"><paramref name="apiKey"/> is blank or contains whitespace, a control character or a non-ASCII character (the message never shows the key), or <paramref name="options"/> has an invalid setting (the message names it).</exception>
    public static IDocMapApi Create(string apiKey, DocMapClientOptions? options = null) =>
        Create(apiKey, options, SharedHandler);

    /// <summary>
    /// Why a null or blank key is refused, and where a key comes from. Most often the key was read from an environment
    /// variable that is not set, as in the README's first example. (Never the value: there is none to show.)
    /// </summary>
    internal const string MissingApiKey =
        "A DocMap API key is required (it is empty or missing). Create one in the DocMap dashboard (API keys look like dm_live_ followed by 64 hex characters); "
        + "the SDK's samples read it from the DOCMAP_API_KEY environment variable, so set that (or pass your own key) before calling DocMapClient.Create.";

    /// <summary>Creates a client over the given primary handler (tests and benchmarks). The handler is never disposed by the client.</summary>
    internal static IDocMapApi Create(string apiKey, DocMapClientOptions? options, HttpMessageHandler primaryHandler)
    {
        if (apiKey is null)
        {
            throw new ArgumentNullException(nameof(apiKey), MissingApiKey);
        }

        if (string.IsNullOrWhiteSpace(apiKey))
        {
            throw new ArgumentException(MissingApiKey, nameof(apiKey));
        }

        if (!DocMapClientOptions.IsValidApiKey(apiKey))
        {
            // The value is a credential: name the parameter, never echo it.
            throw new ArgumentException(
                "The DocMap API key (DocMapClientOptions.ApiKey) must contain only printable ASCII characters, with no whitespace or control characters (check for a trailing newline or space).",
                nameof(apiKey));
        }

        ArgumentNullException.ThrowIfNull(primaryHandler);
        DocMapRedirects.DisableAutoRedirect(primaryHandler);

        var effective = options?.Clone() ?? new DocMapClientOptions();
        effective.ApiKey = apiKey;
        DocMapPipeline.ThrowIfInvalid(effective, nameof(options));

        HttpMessageHandler handler = DocMapPipeline.CreateRedirectGuard(apiKey);
        ((DelegatingHandler)handler).InnerHandler = primaryHandler;
        var handlers = DocMapPipeline.CreateHandlers(effective);
        for (var i = handlers.Length - 1; i >= 0; i--)
        {
            handlers[i].InnerHandler = handler;
            handler = handlers[i];
        }

        var httpClient = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = effective.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return DocMapPipeline.CreateApi(httpClient, apiKey, DocMapClientTelemetry.Shared);
    }
}

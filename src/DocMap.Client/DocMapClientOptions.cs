namespace DocMap.Client;

/// <summary>
/// Settings of the DocMap client. Bind them from configuration (keys <c>ApiKey</c>, <c>BaseAddress</c>,
/// <c>Timeout</c>, <c>AttemptTimeout</c>, <c>MaxRetries</c>, <c>RetryBaseDelay</c>, <c>MaxRetryAfter</c>,
/// <c>MaxResponseBytes</c>, <c>UseBuiltInResilience</c>) or set them in code. <see cref="ToString"/> never shows the API key.
/// </summary>
public sealed class DocMapClientOptions
{
    /// <summary>The default of <see cref="MaxResponseBytes"/>: 4 MiB (a list of 100 deliveries is 30 to 50 KB).</summary>
    private const int DefaultMaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxResponseBytes"/> accepted: 1 GiB.</summary>
    private const int MaxMaxResponseBytes = 1024 * 1024 * 1024;

    /// <summary>The smallest <see cref="MaxResponseBytes"/> accepted: 1 KiB.</summary>
    private const int MinMaxResponseBytes = 1024;

    /// <summary>DocMap's production API address.</summary>
    public static readonly Uri DefaultBaseAddress = new("https://api.docmap.io");

    /// <summary>
    /// The API key sent as <c>Authorization: Bearer &lt;key&gt;</c>. DocMap's live keys look like <c>dm_live_</c> followed
    /// by 64 hexadecimal characters; any non-blank value of printable ASCII characters without whitespace (<c>!</c> to
    /// <c>~</c>) is accepted so that test keys and future formats work. A key with a control character (such as a
    /// trailing newline copied from a file), whitespace or a non-ASCII character is rejected by validation.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The API's base address; <c>https://api.docmap.io</c> by default. Must be an absolute http(s) URI.</summary>
    public Uri BaseAddress { get; set; } = DefaultBaseAddress;

    /// <summary>
    /// The longest a whole call may take, retries and waits between them included; then it fails with
    /// <see cref="TimeoutException"/>. 100 seconds by default; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The longest one attempt may take before it is abandoned (and, for GET and DELETE, retried). 30 seconds by
    /// default; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none. Applies only while <see cref="UseBuiltInResilience"/> is on.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a failed GET or DELETE is retried (0 to 10; 3 by default). POST is never retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The first retry's base delay; each later retry doubles it, and a random jitter of up to half is subtracted
    /// so that many clients do not retry in step. 500 ms by default.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits for. A response asking for longer is not retried: it surfaces as
    /// <see cref="DocMapApiException"/> with <see cref="DocMapApiException.RetryAfter"/> set. 30 seconds by default.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most bytes the client reads of one successful response body, counted after decompression (so a compressed
    /// body cannot inflate past it); 4 MiB by default, 1 KiB to 1 GiB. A larger body fails the call with a
    /// <see cref="DocMapApiException"/> that names this setting, and is never retried. Error (non-2xx) bodies are read up
    /// to 64 KiB (or this value, if smaller); a longer one is not read, and the error keeps its status.
    /// </summary>
    public int MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>
    /// Whether the built-in resilience policy (retries of GET and DELETE, per-attempt timeout) runs; on by default.
    /// Turn it off to add your own handlers on the <c>IHttpClientBuilder</c> that <c>AddDocMapClient</c> returns.
    /// </summary>
    public bool UseBuiltInResilience { get; set; } = true;

    /// <summary>Describes the settings with the API key redacted.</summary>
    /// <returns>A one-line description; the API key shows only as <c>****</c> (or <c>(none)</c>).</returns>
    public override string ToString() =>
        $"DocMapClientOptions {{ ApiKey = {(string.IsNullOrWhiteSpace(ApiKey) ? "(none)" : "****")}, BaseAddress = {BaseAddress}, Timeout = {Timeout}, " +
        $"AttemptTimeout = {AttemptTimeout}, MaxRetries = {MaxRetries}, RetryBaseDelay = {RetryBaseDelay}, MaxRetryAfter = {MaxRetryAfter}, MaxResponseBytes = {MaxResponseBytes}, UseBuiltInResilience = {UseBuiltInResilience} }}";

    internal DocMapClientOptions Clone() => (DocMapClientOptions)MemberwiseClone();

    /// <summary>Returns the problems with these settings, each naming the setting; empty when they are valid.</summary>
    internal List<string> Validate(string? configurationPath)
    {
        string Name(string setting) => string.IsNullOrEmpty(configurationPath)
            ? $"DocMapClientOptions.{setting}"
            : $"DocMapClientOptions.{setting} (configuration key '{configurationPath}:{setting}')";

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            problems.Add($"{Name(nameof(ApiKey))} is required: set it to your DocMap API key (create one in the DocMap dashboard).");
        }
        else if (!IsValidApiKey(ApiKey))
        {
            // Never show the value: it is a credential.
            problems.Add($"{Name(nameof(ApiKey))} must contain only printable ASCII characters, with no whitespace or control characters (check for a trailing newline or space).");
        }

        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri || (BaseAddress.Scheme != Uri.UriSchemeHttps && BaseAddress.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{Name(nameof(BaseAddress))} must be an absolute http or https URI.");
        }

        if (!IsPositiveOrInfinite(Timeout))
        {
            problems.Add($"{Name(nameof(Timeout))} must be positive (or infinite).");
        }

        if (!IsPositiveOrInfinite(AttemptTimeout))
        {
            problems.Add($"{Name(nameof(AttemptTimeout))} must be positive (or infinite).");
        }

        if (MaxRetries is < 0 or > 10)
        {
            problems.Add($"{Name(nameof(MaxRetries))} must be between 0 and 10.");
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Name(nameof(RetryBaseDelay))} must be between 0 and 1 minute.");
        }

        if (MaxRetryAfter < TimeSpan.Zero || MaxRetryAfter > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{Name(nameof(MaxRetryAfter))} must be between 0 and 10 minutes.");
        }

        if (MaxResponseBytes is < MinMaxResponseBytes or > MaxMaxResponseBytes)
        {
            problems.Add($"{Name(nameof(MaxResponseBytes))} must be between {MinMaxResponseBytes} (1 KiB) and {MaxMaxResponseBytes} (1 GiB) bytes.");
        }

        return problems;
    }

    /// <summary>Whether a non-blank key is printable ASCII (0x21 to 0x7E) throughout: what an HTTP header value can carry unchanged.</summary>
    internal static bool IsValidApiKey(string apiKey)
    {
        foreach (var c in apiKey)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPositiveOrInfinite(TimeSpan value) =>
        value == System.Threading.Timeout.InfiniteTimeSpan || (value > TimeSpan.Zero && value.TotalMilliseconds <= int.MaxValue);
}

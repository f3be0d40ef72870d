using System.Security.Cryptography;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing;

/// <summary>
/// Settings of a <see cref="DocMapEmulator"/>. The defaults behave like DocMap. They are read once, by
/// <see cref="DocMapEmulator.Start(DocMapEmulatorOptions?)"/>, which validates them (an invalid value is an
/// <see cref="ArgumentException"/> whose message names the setting); later changes have no effect on a running emulator.
/// </summary>
public sealed class DocMapEmulatorOptions
{
    /// <summary>The default of <see cref="MaxRequestLogEntries"/> and <see cref="MaxDeliveryLogEntries"/>: 1,000.</summary>
    internal const int DefaultMaxLogEntries = 1000;

    /// <summary>The most entries a log may be configured to keep: 1,000,000.</summary>
    internal const int MaxLogEntriesLimit = 1_000_000;

    /// <summary>The default of <see cref="MaxLoggedBodyBytes"/>: 16 KiB.</summary>
    internal const int DefaultMaxLoggedBodyBytes = 16 * 1024;

    /// <summary>The largest <see cref="MaxLoggedBodyBytes"/>: 1 MiB.</summary>
    internal const int MaxLoggedBodyBytesLimit = 1024 * 1024;

    private const string ApiKeyPrefix = "dm_test_";
    private const int MaxApiKeyLength = 1024;
    private const int MaxHeaderNameLength = 256;
    private static readonly TimeSpan MaxDeliveryTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a delivery waits for the receiver's response before it is recorded as failed with no HTTP status.
    /// DocMap waits 10 seconds (the default); tests of slow receivers can shorten it. Positive, at most 5 minutes.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Creates the handler deliveries are sent through, or <see langword="null"/> (the default) for real HTTP.
    /// Called once, at the first delivery, so it may refer to a test host built after the emulator started: for
    /// example <c>() =&gt; factory.Server.CreateHandler()</c> delivers into a <c>WebApplicationFactory</c> or
    /// <c>TestServer</c> app without a socket. The emulator does not dispose the handler. Without it, deliveries go out
    /// over HTTP without a proxy, without cookies and without following redirects (a 3xx is a failed delivery with
    /// that status, as DocMap counts only 2xx as success).
    /// </summary>
    public Func<HttpMessageHandler>? DeliveryHandlerFactory { get; set; }

    /// <summary>
    /// The API key the emulator accepts, or <see langword="null"/> (the default) for a fresh random
    /// <c>dm_test_</c> + 64 hex characters. Like <c>DocMapClientOptions.ApiKey</c>: printable ASCII (<c>!</c> to
    /// <c>~</c>) without whitespace, at most 1,024 characters. Set it when something outside the test process (an app
    /// started with <c>DOCMAP_API_KEY</c>, another language's test suite) must know the key in advance.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The TCP port on 127.0.0.1 to listen on; 0 (the default) picks a free one. The emulator listens on loopback only.
    /// A port already in use makes <see cref="DocMapEmulator.Start(DocMapEmulatorOptions?)"/> throw <see cref="IOException"/>.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// Chooses the secret of each webhook created through the API (<c>POST /v1/webhooks</c>, and
    /// <c>POST /_emulator/webhooks</c> without a <c>secret</c>), or <see langword="null"/> (the default) for a fresh
    /// random one, as DocMap does. Called with the webhook's URL; returns 64 hex characters. Use it when the code under
    /// test creates its webhook itself but the receiver is configured with a secret known in advance. (To register a
    /// webhook with a given secret directly, use <see cref="DocMapEmulator.RegisterWebhook"/>.) A value that is not 64
    /// hex characters makes that create call answer 500 <c>INTERNAL_ERROR</c>.
    /// </summary>
    public Func<string, string>? SecretFactory { get; set; }

    /// <summary>
    /// The header deliveries carry their signature in; default <c>X-DocMap-Signature</c>
    /// (<see cref="WebhookSignatureOptions.DefaultHeaderName"/>). Match it to the receiver's <c>HeaderName</c> setting to
    /// test a non-default configuration. An HTTP token (letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>) of at most 256
    /// characters, and not a header HTTP itself manages (<c>Content-*</c>, <c>Host</c>, <c>Transfer-Encoding</c>, …).
    /// </summary>
    public string SignatureHeaderName { get; set; } = WebhookSignatureOptions.DefaultHeaderName;

    /// <summary>
    /// How the HMAC key is derived from a webhook's secret: <see cref="WebhookKeyDerivation.Utf8Text"/> (the default,
    /// DocMap's scheme) or <see cref="WebhookKeyDerivation.HexDecoded"/>. Match it to the receiver's <c>KeyDerivation</c>.
    /// </summary>
    public WebhookKeyDerivation SignatureKeyDerivation { get; set; } = WebhookKeyDerivation.Utf8Text;

    /// <summary>
    /// Whether the signature header's value is <c>sha256=</c> followed by the hex HMAC (for receivers that expect the
    /// prefix) instead of the bare hex (the default). The SDK's verifier accepts both.
    /// </summary>
    public bool SignatureSha256Prefix { get; set; }

    /// <summary>
    /// How many received requests the request log (<see cref="DocMapEmulator.Requests"/>, <c>GET /_emulator/requests</c>)
    /// keeps; the oldest is dropped past it. Default 1,000, at least 1, at most 1,000,000.
    /// <see cref="DocMapEmulator.GetRequestCount"/> counts every request regardless.
    /// </summary>
    public int MaxRequestLogEntries { get; set; } = DefaultMaxLogEntries;

    /// <summary>
    /// How many delivery attempts the delivery log (<c>GET /v1/webhooks/deliveries</c>, <see cref="DocMapEmulator.Deliveries"/>,
    /// <c>GET /_emulator/deliveries</c>) keeps; the oldest is dropped past it. Default 1,000, at least 1, at most 1,000,000.
    /// </summary>
    public int MaxDeliveryLogEntries { get; set; } = DefaultMaxLogEntries;

    /// <summary>
    /// How many bytes of each request body and delivery payload the logs keep; longer ones are cut there (at a
    /// character boundary) and flagged (<see cref="ReceivedRequest.BodyTruncated"/>, <see cref="EmulatedDelivery.PayloadTruncated"/>).
    /// Default 16 KiB, at least 0, at most 1 MiB. Bodies of requests without the emulator's API key are never kept.
    /// </summary>
    public int MaxLoggedBodyBytes { get; set; } = DefaultMaxLoggedBodyBytes;

    /// <summary>Validates the options and takes the snapshot the emulator runs with.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; <see cref="ArgumentException.ParamName"/> is <c>options</c> and the message names the setting.</exception>
    internal EmulatorSettings Validate()
    {
        if (DeliveryTimeout <= TimeSpan.Zero || DeliveryTimeout > MaxDeliveryTimeout)
        {
            throw OutOfRange(DeliveryTimeout, "DocMapEmulatorOptions.DeliveryTimeout must be positive and at most 5 minutes.");
        }

        if (ApiKey is not null && !IsValidApiKey(ApiKey))
        {
            // The value is not repeated: it is a credential.
            throw new ArgumentException(
                "DocMapEmulatorOptions.ApiKey must be 1 to 1024 printable ASCII characters, with no whitespace or control characters (check for a trailing newline or space).",
                "options");
        }

        if (Port is < 0 or > 65535)
        {
            throw OutOfRange(Port, "DocMapEmulatorOptions.Port must be between 0 (a free port) and 65535.");
        }

        if (!IsValidHeaderName(SignatureHeaderName))
        {
            throw new ArgumentException(
                "DocMapEmulatorOptions.SignatureHeaderName must be an HTTP header name (a token of at most 256 characters) that HTTP itself does not manage (not Content-*, Host, Transfer-Encoding, Connection, …).",
                "options");
        }

        if (SignatureKeyDerivation is not (WebhookKeyDerivation.Utf8Text or WebhookKeyDerivation.HexDecoded))
        {
            throw OutOfRange(SignatureKeyDerivation, "DocMapEmulatorOptions.SignatureKeyDerivation must be Utf8Text or HexDecoded.");
        }

        if (MaxRequestLogEntries is < 1 or > MaxLogEntriesLimit)
        {
            throw OutOfRange(MaxRequestLogEntries, "DocMapEmulatorOptions.MaxRequestLogEntries must be between 1 and 1,000,000.");
        }

        if (MaxDeliveryLogEntries is < 1 or > MaxLogEntriesLimit)
        {
            throw OutOfRange(MaxDeliveryLogEntries, "DocMapEmulatorOptions.MaxDeliveryLogEntries must be between 1 and 1,000,000.");
        }

        if (MaxLoggedBodyBytes is < 0 or > MaxLoggedBodyBytesLimit)
        {
            throw OutOfRange(MaxLoggedBodyBytes, "DocMapEmulatorOptions.MaxLoggedBodyBytes must be between 0 and 1 MiB (1048576).");
        }

        return new EmulatorSettings
        {
            ApiKey = ApiKey ?? ApiKeyPrefix + RandomNumberGenerator.GetHexString(64, lowercase: true),
            Port = Port,
            DeliveryTimeout = DeliveryTimeout,
            DeliveryHandlerFactory = DeliveryHandlerFactory,
            SecretFactory = SecretFactory,
            Signature = new SignatureScheme(SignatureHeaderName, SignatureKeyDerivation, SignatureSha256Prefix),
            MaxRequestLogEntries = MaxRequestLogEntries,
            MaxDeliveryLogEntries = MaxDeliveryLogEntries,
            MaxLoggedBodyBytes = MaxLoggedBodyBytes,
        };

        static ArgumentOutOfRangeException OutOfRange(object value, string message) => new("options", value, message);
    }

    private static bool IsValidApiKey(string key)
    {
        if (key.Length is 0 or > MaxApiKeyLength)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidHeaderName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxHeaderNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            var token = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ||
                "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
            if (!token)
            {
                return false;
            }
        }

        if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string[] managed = ["Host", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer", "Expect", "Proxy-Connection"];
        return !managed.Contains(name, StringComparer.OrdinalIgnoreCase);
    }
}

using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using DocMap.Cli.Output;
using DocMap.Client;

namespace DocMap.Cli.Infrastructure;

/// <summary>The options more than one command takes (one instance each, added to every command that takes it).</summary>
internal sealed class SharedOptions
{
    public const string ApiKeyVariable = "DOCMAP_API_KEY";
    public const string BaseUrlVariable = "DOCMAP_BASE_URL";
    public const string WebhookSecretVariable = "DOCMAP_WEBHOOK_SECRET";

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the result as JSON on standard output (one document, on one line; messages go to standard error).",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print debug lines (HTTP calls, error details) on standard error. Never includes the API key.",
        Recursive = true,
    };

    public Option<string> ApiKey { get; } = new("--api-key")
    {
        Description = $"Your DocMap API key [default: ${ApiKeyVariable}]. Prefer the variable: a command line is visible to other users.",
        HelpName = "key",
    };

    public Option<string> BaseUrl { get; } = new("--base-url")
    {
        Description = $"DocMap's address [default: ${BaseUrlVariable}, else https://api.docmap.io]. An emulator's URL works too.",
        HelpName = "url",
    };

    /// <summary>Adds <c>--api-key</c> and <c>--base-url</c> to a command that calls DocMap.</summary>
    public void AddApiOptions(Command command)
    {
        command.Options.Add(ApiKey);
        command.Options.Add(BaseUrl);
    }
}

/// <summary>What a command's handler gets: the parse result, the output, the cancellation, and DocMap connection helpers.</summary>
internal sealed class CommandContext
{
    public CommandContext(ParseResult parseResult, SharedOptions options, CliOutput output, CancellationToken cancellationToken)
    {
        ParseResult = parseResult;
        Options = options;
        Output = output;
        CancellationToken = cancellationToken;
    }

    public ParseResult ParseResult { get; }

    public SharedOptions Options { get; }

    public CliOutput Output { get; }

    public CliHost Host => Output.Host;

    public CancellationToken CancellationToken { get; }

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>The API key from <c>--api-key</c> or <c>DOCMAP_API_KEY</c>: printable ASCII (<c>!</c> to <c>~</c>), as DocMapClient requires.</summary>
    /// <exception cref="CliUsageException">Neither is set, or the key has whitespace, a control or a non-ASCII character (never echoed).</exception>
    public string RequireApiKey()
    {
        var key = ParseResult.GetValue(Options.ApiKey);
        var source = "--api-key";
        if (string.IsNullOrEmpty(key))
        {
            key = Host.GetEnvironmentVariable(SharedOptions.ApiKeyVariable);
            source = SharedOptions.ApiKeyVariable;
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            throw new CliUsageException($"No DocMap API key: pass --api-key or set {SharedOptions.ApiKeyVariable}.");
        }

        // The same rule as DocMapClient.Create, checked here so that every command (trigger does not use DocMapClient)
        // refuses such a key the same way, before anything is sent.
        if (!key.All(c => c is >= '!' and <= '~'))
        {
            throw new CliUsageException(
                $"The DocMap API key ({source}) must contain only printable ASCII characters, with no whitespace or control characters (check for a trailing newline or space).");
        }

        return key;
    }

    /// <summary>DocMap's address from <c>--base-url</c>, <c>DOCMAP_BASE_URL</c> or the default.</summary>
    /// <exception cref="CliUsageException">The value is not an absolute http or https URL.</exception>
    public Uri BaseAddress()
    {
        var fromOption = ParseResult.GetValue(Options.BaseUrl);
        var source = "--base-url";
        var text = fromOption;
        if (string.IsNullOrEmpty(text))
        {
            text = Host.GetEnvironmentVariable(SharedOptions.BaseUrlVariable);
            source = SharedOptions.BaseUrlVariable;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return DocMapClientOptions.DefaultBaseAddress;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
            !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new CliUsageException($"{source} must be an absolute http or https URL without user information, for example https://api.docmap.io.");
        }

        return uri;
    }

    /// <summary>A DocMap client for the configured key and address (warns when the key would travel unencrypted).</summary>
    /// <exception cref="CliUsageException">The key or the address is unusable.</exception>
    public (IDocMapApi Client, Uri BaseAddress) CreateClient()
    {
        var key = RequireApiKey();
        var baseAddress = BaseAddress();
        WarnIfUnencrypted(baseAddress);
        try
        {
            return (DocMapClient.Create(key, new DocMapClientOptions { BaseAddress = baseAddress }), baseAddress);
        }
        catch (ArgumentException ex)
        {
            // DocMapClient's messages name the setting and never show the key; redact anyway.
            throw new CliUsageException(Output.Redactor.Redact(ex.Message));
        }
    }

    /// <summary>Warns when the API key would be sent over plain HTTP to a host that is not this machine.</summary>
    public void WarnIfUnencrypted(Uri baseAddress)
    {
        if (baseAddress.Scheme == Uri.UriSchemeHttp && !IsLoopback(baseAddress))
        {
            Output.Warn($"{baseAddress.GetLeftPart(UriPartial.Authority)} is plain http: the API key travels unencrypted.");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback ||
        (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address)) ||
        string.Equals(uri.DnsSafeHost, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether an exception means the network (not DocMap) failed: no connection, or one that broke mid-answer.</summary>
    public static bool IsNetworkFailure(Exception ex) =>
        ex is HttpRequestException or SocketException or HttpIOException;
}

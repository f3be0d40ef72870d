using System.CommandLine;
using System.CommandLine.Invocation;
using System.Net;
using DocMap.Cli.Commands;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;

namespace DocMap.Cli;

/// <summary>
/// The whole tool behind one call: parse <c>args</c>, run the command against the given host (streams and
/// environment), return the exit code. <see cref="Program"/> calls it with the real console; tests call it in-process.
/// </summary>
internal static class CliApp
{
    /// <summary>Runs <c>docmap</c> with these arguments.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="host">Standard streams, terminal detection and environment variables.</param>
    /// <param name="cancellationToken">Ctrl+C: long-running commands (<c>--watch</c>, <c>emulator</c>) stop and exit 0; others exit 130.</param>
    /// <returns>The exit code: 0, 1 or 2 (see <see cref="ExitCodes"/>), 130 when interrupted.</returns>
    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);

        var shared = new SharedOptions();
        var root = BuildCommandTree(shared, host);
        if (args.Length == 0)
        {
            // Bare `docmap`: the overview, on standard error, and exit 2 (no command was given).
            var help = new InvocationConfiguration { Output = host.Error, Error = host.Error, ProcessTerminationTimeout = null };
            await root.Parse(["--help"]).InvokeAsync(help, cancellationToken).ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        var parseResult = root.Parse(args);

        if (parseResult.Errors.Count > 0 && parseResult.Action is ParseErrorAction or null)
        {
            return ReportUsageErrors(parseResult, args, host);
        }

        var configuration = new InvocationConfiguration
        {
            Output = host.Output,
            Error = host.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program owns Ctrl+C and SIGTERM and passes them in as cancellationToken.
        };

        int exitCode;
        try
        {
            exitCode = await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Only the parser's own actions (--help, --version) get here: command handlers catch everything. Text into a
            // pipe whose reader left (`docmap --help | head -3`) is not a failure; a full disk is.
            if (CliOutput.IsBrokenPipe(ex))
            {
                return ExitCodes.Success;
            }

            host.Error.WriteLine($"error: Could not write to standard output: {ex.Message}");
            return ExitCodes.Failure;
        }

        try
        {
            await host.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Standard output was closed by its reader; nothing is left to say.
        }

        return exitCode;
    }

    /// <summary>The command tree (also used by tests to check that documented command lines parse).</summary>
    public static RootCommand BuildCommandTree(SharedOptions shared, CliHost host)
    {
        var root = new RootCommand(
            "docmap: manage DocMap webhooks, read their delivery log, sign and verify webhook signatures, and run the DocMap emulator.\n" +
            "Exit codes: 0 success, 1 DocMap or the network refused (or a signature did not verify), 2 the command line was wrong.");
        root.Options.Add(shared.Json);
        root.Options.Add(shared.Verbose);
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                // The tool's own version, also when the entry assembly is another (tests run the tool in-process).
                version.Action = new PrintVersionAction();
            }
        }

        root.Subcommands.Add(WebhooksCommands.Create(shared, host));
        root.Subcommands.Add(DeliveriesCommand.Create(shared, host));
        root.Subcommands.Add(TriggerCommand.Create(shared, host));
        root.Subcommands.Add(SignatureCommands.CreateSign(shared, host));
        root.Subcommands.Add(SignatureCommands.CreateVerify(shared, host));
        root.Subcommands.Add(EmulatorCommand.Create(shared, host));
        return root;
    }

    /// <summary>Wires a handler into a command, mapping every outcome to an exit code and a message (or JSON error).</summary>
    public static void SetHandler(Command command, SharedOptions shared, CliHost host, Func<CommandContext, Task<int>> handler) =>
        command.SetAction((parseResult, cancellationToken) => RunHandlerAsync(parseResult, shared, host, handler, cancellationToken));

    private static async Task<int> RunHandlerAsync(
        ParseResult parseResult,
        SharedOptions shared,
        CliHost host,
        Func<CommandContext, Task<int>> handler,
        CancellationToken cancellationToken)
    {
        var redactor = new Redactor();
        redactor.Add(parseResult.GetValue(shared.ApiKey));
        redactor.Add(host.GetEnvironmentVariable(SharedOptions.ApiKeyVariable));
        redactor.Add(host.GetEnvironmentVariable(SharedOptions.WebhookSecretVariable));
        AddCommandLineCredentials(redactor, parseResult.Tokens.Select(t => t.Value).ToList());

        var output = new CliOutput(host, parseResult.GetValue(shared.Json), parseResult.GetValue(shared.Verbose), redactor);
        using var httpLog = output.Verbose ? HttpDebugListener.Start(output) : null;
        var context = new CommandContext(parseResult, shared, output, cancellationToken);

        try
        {
            return await handler(context).ConfigureAwait(false);
        }
        catch (OutputClosedException)
        {
            // `docmap deliveries --watch | head -3`: the reader has what it wanted.
            return ExitCodes.Success;
        }
        catch (OutputFailedException ex)
        {
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson("io", redactor.Redact(ex.Message), null, null, null, null));
        }
        catch (CliUsageException ex)
        {
            return Fail(output, ExitCodes.UsageError, new ErrorDetailJson("usage", redactor.Redact(ex.Message), null, null, null, null), parseResult);
        }
        catch (CliFailureException ex)
        {
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson(ex.Kind, redactor.Redact(ex.Message), null, null, null, null));
        }
        catch (DocMapApiException ex)
        {
            output.Debug(DescribeChain(ex));
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson(
                "api",
                redactor.Redact(DescribeApiError(ex)),
                (int)ex.StatusCode,
                ex.ErrorCode is null ? null : redactor.Redact(ex.ErrorCode), // a server's text like the message (the emulator client does not mask it)
                ex.RequestMethod,
                ex.RequestPath));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(output, ExitCodes.Cancelled, new ErrorDetailJson("cancelled", "Cancelled.", null, null, null, null));
        }
        catch (TimeoutException ex)
        {
            output.Debug(DescribeChain(ex));
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson("timeout", redactor.Redact($"DocMap did not answer in time: {ex.Message}"), null, null, null, null));
        }
        catch (Exception ex) when (CommandContext.IsNetworkFailure(ex))
        {
            output.Debug(DescribeChain(ex));
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson("network", redactor.Redact($"Could not reach {Describe(context)}: {Innermost(ex).Message}"), null, null, null, null));
        }
        catch (Exception ex)
        {
            output.Debug(DescribeChain(ex));
            return Fail(output, ExitCodes.Failure, new ErrorDetailJson("internal", redactor.Redact($"Unexpected {ex.GetType().Name}: {ex.Message}"), null, null, null, null));
        }
    }

    /// <summary>The person-readable form of DocMap's answer, from the exception's fields.</summary>
    public static string DescribeApiError(DocMapApiException ex)
    {
        var status = (int)ex.StatusCode;
        if (status is >= 200 and < 300)
        {
            return $"The answer to {ex.RequestMethod} {ex.RequestPath} was not DocMap's documented JSON (HTTP {status}); is --base-url right?";
        }

        var text = $"DocMap refused {ex.RequestMethod} {ex.RequestPath}: HTTP {status} {ex.ErrorCode ?? "(no error code)"}";
        if (!string.IsNullOrWhiteSpace(ex.ServerMessage))
        {
            text += ": " + ex.ServerMessage;
        }

        if (ex.StatusCode == HttpStatusCode.Unauthorized)
        {
            text += $" (check --api-key or {SharedOptions.ApiKeyVariable})";
        }
        else if (ex.RetryAfter is { } retryAfter)
        {
            text += $" (try again in {DocMap.Internal.DurationText.Describe(TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, retryAfter.TotalSeconds))))})";
        }

        return text;
    }

    /// <summary>For <c>--verbose</c>: each exception of the chain, type and message (no stack: it helps no user).</summary>
    private static string DescribeChain(Exception ex)
    {
        var parts = new List<string>();
        for (var current = ex; current is not null && parts.Count < 8; current = current.InnerException)
        {
            parts.Add($"{current.GetType().FullName}: {current.Message}");
        }

        return string.Join(" ---> ", parts);
    }

    private static string Describe(CommandContext context)
    {
        try
        {
            return context.BaseAddress().GetLeftPart(UriPartial.Authority);
        }
        catch (CliUsageException)
        {
            return "DocMap";
        }
    }

    private static Exception Innermost(Exception ex)
    {
        // HttpRequestException("Connection refused (127.0.0.1:1)") wraps a SocketException with the same text; the
        // outermost HttpRequestException's message is the most specific one that names the address.
        return ex is HttpRequestException ? ex : ex.InnerException ?? ex;
    }

    private static int Fail(CliOutput output, int exitCode, ErrorDetailJson error, ParseResult? usageOf = null)
    {
        output.Error(error.Message);
        if (usageOf is not null && !output.Json)
        {
            output.Info($"Run '{CommandPath(usageOf)} --help' for usage.");
        }

        if (output.Json)
        {
            WriteErrorJson(output, error);
        }

        return exitCode;
    }

    /// <summary>The <c>--json</c> error document; a closed standard output leaves the message on standard error and the exit code.</summary>
    private static void WriteErrorJson(CliOutput output, ErrorDetailJson error)
    {
        try
        {
            output.WriteJson(new ErrorJson(error), CliJson.Context.ErrorJson);
        }
        catch (Exception ex) when (ex is OutputClosedException or OutputFailedException)
        {
            // `docmap ... --json | reader-that-exited` (or a full disk): nobody gets the document; the message is on
            // standard error and the exit code still says what happened.
        }
    }

    /// <summary>
    /// Adds the credentials a command line carries to <paramref name="redactor"/>: the value after <c>--api-key</c> or
    /// <c>--secret</c> (also written <c>--api-key=value</c>), whether or not the parser bound it to an option (a misspelt
    /// command leaves it an "unrecognized argument" that the parser's message quotes), and any 64-hex token (a secret's shape).
    /// </summary>
    private static void AddCommandLineCredentials(Redactor redactor, IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length == 64 && arg.All(char.IsAsciiHexDigit))
            {
                redactor.Add(arg);
            }

            foreach (var name in CredentialOptions)
            {
                if (arg == name && i + 1 < args.Count)
                {
                    redactor.Add(args[i + 1]);
                }
                else if (arg.Length > name.Length + 1 && arg.StartsWith(name, StringComparison.Ordinal) && arg[name.Length] is '=' or ':')
                {
                    redactor.Add(arg[(name.Length + 1)..]);
                }
            }
        }
    }

    private static readonly string[] CredentialOptions = ["--api-key", "--secret"];

    private static int ReportUsageErrors(ParseResult parseResult, IReadOnlyList<string> args, CliHost host)
    {
        var redactor = new Redactor();
        redactor.Add(host.GetEnvironmentVariable(SharedOptions.ApiKeyVariable));
        redactor.Add(host.GetEnvironmentVariable(SharedOptions.WebhookSecretVariable));
        AddCommandLineCredentials(redactor, args);
        var json = parseResult.Tokens.Any(t => t.Value == "--json");
        var output = new CliOutput(host, json, verbose: false, redactor);
        var messages = parseResult.Errors.Select(e => redactor.Redact(e.Message)).Distinct().ToList();
        foreach (var message in messages)
        {
            output.Error(message);
        }

        output.Info($"Run '{CommandPath(parseResult)} --help' for usage.");
        if (json)
        {
            WriteErrorJson(output, new ErrorDetailJson("usage", string.Join(" ", messages), null, null, null, null));
        }

        return ExitCodes.UsageError;
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "docmap" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}

/// <summary><c>--version</c>: the tool's informational version, as <see cref="Program"/> prints it on its fast path.</summary>
internal sealed class PrintVersionAction : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Program.Version);
        return ExitCodes.Success;
    }
}

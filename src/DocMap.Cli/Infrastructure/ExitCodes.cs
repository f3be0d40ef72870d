namespace DocMap.Cli.Infrastructure;

/// <summary>The process exit codes of <c>docmap</c> (documented in docs/cli.md; scripts depend on them).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// DocMap (or the emulator) or the network refused: an API error, an unreachable host, a timeout; also a signature
    /// that does not verify, and <c>trigger</c> against something that is not an emulator.
    /// </summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown command or option, a missing or malformed value, an unreadable file.</summary>
    public const int UsageError = 2;

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM before it finished (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;
}

/// <summary>The command line asked for something impossible; the message says what and how to fix it. Exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// The command ran and the answer is "no" (a signature that does not verify, a server that is not an emulator); the
/// message says why. Exit code 1.
/// </summary>
internal sealed class CliFailureException(string message, string kind = "failure") : Exception(message)
{
    /// <summary>The <c>error.kind</c> reported with <c>--json</c>.</summary>
    public string Kind { get; } = kind;
}

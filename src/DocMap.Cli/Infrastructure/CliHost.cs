namespace DocMap.Cli.Infrastructure;

/// <summary>
/// Everything a command touches outside itself: the three standard streams, whether each is a terminal, and the
/// environment. <see cref="Program"/> builds one over the real console; tests build one over strings.
/// </summary>
internal sealed class CliHost
{
    private readonly Func<Stream> _openInput;
    private readonly Func<string, string?> _getEnvironmentVariable;

    public CliHost(
        TextWriter output,
        TextWriter error,
        Func<Stream> openInput,
        Func<string, string?> getEnvironmentVariable,
        bool isInputRedirected = true,
        bool isOutputRedirected = true,
        bool isErrorRedirected = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(openInput);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        Output = output;
        Error = error;
        _openInput = openInput;
        _getEnvironmentVariable = getEnvironmentVariable;
        IsInputRedirected = isInputRedirected;
        IsOutputRedirected = isOutputRedirected;
        IsErrorRedirected = isErrorRedirected;
    }

    /// <summary>Standard output: results only (tables, JSON, a signature).</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: messages, warnings, errors, the spinner.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether standard input is a file or a pipe (not a terminal).</summary>
    public bool IsInputRedirected { get; }

    /// <summary>Whether standard output is a file or a pipe (not a terminal).</summary>
    public bool IsOutputRedirected { get; }

    /// <summary>Whether standard error is a file or a pipe (not a terminal).</summary>
    public bool IsErrorRedirected { get; }

    /// <summary>
    /// Whether output may use colour, borders and a spinner: both output streams are terminals, <c>NO_COLOR</c> is unset
    /// or empty (https://no-color.org) and <c>TERM</c> is not <c>dumb</c>.
    /// </summary>
    public bool IsInteractive =>
        !IsOutputRedirected && !IsErrorRedirected &&
        string.IsNullOrEmpty(GetEnvironmentVariable("NO_COLOR")) &&
        !string.Equals(GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary>How long <c>trigger</c> waits for <c>GET /_emulator</c> by default: an emulator answers at once.</summary>
    public static readonly TimeSpan DefaultEmulatorDetectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long <c>trigger</c> waits for the whole <c>POST /_emulator/trigger</c> exchange by default (every delivery attempt may take 10 s).</summary>
    public static readonly TimeSpan DefaultEmulatorTriggerTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>GET /_emulator</c>'s time limit, answer included (tests shorten it per run).</summary>
    public TimeSpan EmulatorDetectTimeout { get; init; } = DefaultEmulatorDetectTimeout;

    /// <summary><c>POST /_emulator/trigger</c>'s time limit, answer included (tests shorten it per run).</summary>
    public TimeSpan EmulatorTriggerTimeout { get; init; } = DefaultEmulatorTriggerTimeout;

    /// <summary>The terminal's width in columns for rich tables; <see langword="null"/> to ask the console.</summary>
    public int? TerminalWidth { get; init; }

    /// <summary>Reads an environment variable; <see langword="null"/> when unset.</summary>
    public string? GetEnvironmentVariable(string name) => _getEnvironmentVariable(name);

    /// <summary>Opens standard input as bytes (the caller disposes the stream).</summary>
    public Stream OpenInput() => _openInput();

    /// <summary>The real console of this process.</summary>
    public static CliHost FromConsole()
    {
        var output = new StreamWriter(OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        var error = new StreamWriter(Console.OpenStandardError(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        return new CliHost(
            output,
            error,
            Console.OpenStandardInput,
            Environment.GetEnvironmentVariable,
            Console.IsInputRedirected,
            Console.IsOutputRedirected,
            Console.IsErrorRedirected);
    }

    /// <summary>
    /// Standard output as bytes. On Unix, when it is a pipe or a socket, a stream over file descriptor 1 itself:
    /// the console's stream swallows EPIPE (a write after the reader went away "succeeds"), so
    /// <c>docmap deliveries --watch | head -1</c> would poll forever; this one throws <see cref="IOException"/>, which
    /// <see cref="Output.CliOutput"/> turns into a quiet stop. A terminal or a regular file (where EPIPE cannot happen, and
    /// where a stream with its own position would overwrite what <c>2&gt;&amp;1</c> wrote into the same file) keeps the
    /// console's stream.
    /// </summary>
    private static Stream OpenStandardOutput()
    {
        if (OperatingSystem.IsWindows() || !Console.IsOutputRedirected)
        {
            return Console.OpenStandardOutput();
        }

        try
        {
            var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!stream.CanSeek)
            {
                return stream;
            }

            stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Not a descriptor FileStream takes (closed, or opened read-only): the console's stream copes.
        }

        return Console.OpenStandardOutput();
    }
}

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

    /// <summary>The terminal's width in columns for rich tables; <see langword="null"/> to ask the console.</summary>
    public int? TerminalWidth { get; init; }

    /// <summary>Reads an environment variable; <see langword="null"/> when unset.</summary>
    public string? GetEnvironmentVariable(string name) => _getEnvironmentVariable(name);

    /// <summary>Opens standard input as bytes (the caller disposes the stream).</summary>
    public Stream OpenInput() => _openInput();

    /// <summary>The real console of this process.</summary>
    public static CliHost FromConsole()
    {
        var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
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
}

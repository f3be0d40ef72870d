using System.Text;
using System.Text.Json.Serialization.Metadata;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Output;

/// <summary>A column of a table: its header, whether values align right, and an optional colour per value (rich output only).</summary>
internal sealed record Column(string Header, bool AlignRight = false, Func<string, string?>? Colour = null);

/// <summary>
/// Where a command's output goes. Results go to standard output (a table, a line, or one JSON document with
/// <c>--json</c>); messages, warnings and errors go to standard error. Rich output (colour, borders, a spinner) only when
/// <see cref="CliHost.IsInteractive"/>; otherwise plain text that survives pipes, <c>grep</c> and <c>cut</c>.
/// Every line written here, result or message, plain or rich, is passed through <see cref="Inert"/>: much of it quotes a
/// server (error messages, ids, URLs, a secret), and a terminal must never receive a server's control characters.
/// </summary>
internal sealed class CliOutput
{
    private readonly CliHost _host;

    public CliOutput(CliHost host, bool json, bool verbose, Redactor redactor)
    {
        _host = host;
        Json = json;
        Verbose = verbose;
        Redactor = redactor;
    }

    /// <summary><c>--json</c>: standard output carries JSON only.</summary>
    public bool Json { get; }

    /// <summary><c>--verbose</c>: debug lines on standard error.</summary>
    public bool Verbose { get; }

    /// <summary>Colour, borders and spinners (both output streams are terminals and <c>NO_COLOR</c> is unset).</summary>
    public bool Rich => _host.IsInteractive;

    public Redactor Redactor { get; }

    public CliHost Host => _host;

    /// <summary>Writes one line of the result to standard output.</summary>
    /// <exception cref="OutputClosedException">Standard output was closed (for example by <c>| head</c>).</exception>
    /// <exception cref="OutputFailedException">Standard output could not be written (a full disk).</exception>
    public void Result(string line) => ToOutput(writer => writer.WriteLine(Inert(line)));

    /// <summary>Writes a JSON document to standard output, on one line.</summary>
    /// <exception cref="OutputClosedException">Standard output was closed.</exception>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var text = System.Text.Json.JsonSerializer.Serialize(value, typeInfo);
        ToOutput(writer =>
        {
            writer.WriteLine(text);
            writer.Flush();
        });
    }

    /// <summary>Flushes standard output (a --watch line is seen at once).</summary>
    public void Flush() => ToOutput(writer => writer.Flush());

    private void ToOutput(Action<TextWriter> write)
    {
        try
        {
            write(_host.Output);
        }
        catch (IOException ex) when (IsBrokenPipe(ex))
        {
            throw new OutputClosedException(ex);
        }
        catch (IOException ex)
        {
            throw new OutputFailedException(ex);
        }
    }

    /// <summary>
    /// Whether a write failed because the reader went away: EPIPE (32 on Linux and macOS; .NET's IOException for an errno
    /// carries the errno as its HResult). Windows' console stream swallows a broken pipe itself.
    /// </summary>
    public static bool IsBrokenPipe(IOException ex) => ex.HResult == 32;

    /// <summary>A message for the person at the terminal (standard error).</summary>
    public void Info(string message) => _host.Error.WriteLine(Inert(message));

    public void Warn(string message)
    {
        if (Rich)
        {
            RichConsole.WriteStyled(_host, _host.Error, "warning: ", "yellow", Inert(message));
        }
        else
        {
            _host.Error.WriteLine("warning: " + Inert(message));
        }
    }

    public void Error(string message)
    {
        if (Rich)
        {
            RichConsole.WriteStyled(_host, _host.Error, "error: ", "red", Inert(message));
        }
        else
        {
            _host.Error.WriteLine("error: " + Inert(message));
        }
    }

    /// <summary>A debug line (only with <c>--verbose</c>), redacted.</summary>
    public void Debug(string message)
    {
        if (Verbose)
        {
            _host.Error.WriteLine("debug: " + Inert(Redactor.Redact(message)));
        }
    }

    /// <summary>
    /// Writes a table to standard output: bordered and coloured when rich, otherwise a header line and rows of
    /// space-aligned columns (no borders). Cells are printed as text (never as markup) with control characters replaced.
    /// </summary>
    public void Table(IReadOnlyList<Column> columns, IReadOnlyList<string?[]> rows)
    {
        if (Rich)
        {
            ToOutput(writer => RichConsole.WriteTable(_host, writer, columns, rows));
            return;
        }

        var widths = new int[columns.Count];
        for (var c = 0; c < columns.Count; c++)
        {
            widths[c] = columns[c].Header.Length;
            foreach (var row in rows)
            {
                widths[c] = Math.Max(widths[c], Cell(row[c]).Length);
            }
        }

        Result(FormatRow(columns, widths, columns.Select(c => c.Header).ToArray()));
        foreach (var row in rows)
        {
            Result(FormatRow(columns, widths, row));
        }
    }

    /// <summary>Runs <paramref name="work"/> with a spinner on standard error when rich; plainly otherwise.</summary>
    public Task<T> WaitAsync<T>(string status, Func<Task<T>> work) =>
        Rich ? RichConsole.WithSpinnerAsync(_host, _host.Error, status, work) : work();

    /// <summary>Replaces control characters (a hostile server could send terminal escape sequences) and maps null to "-".</summary>
    public static string Cell(string? value) => string.IsNullOrEmpty(value) ? "-" : Inert(value);

    /// <summary>
    /// <paramref name="value"/> with every control character (ESC, BEL, CR, LF, …) replaced by <c>?</c>, so that text
    /// quoted from a server prints as text. Lines written through this class never carry control characters of their own.
    /// </summary>
    public static string Inert(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            builder.Append(char.IsControl(ch) ? '?' : ch);
        }

        return builder.ToString();
    }

    private static string FormatRow(IReadOnlyList<Column> columns, int[] widths, string?[] cells)
    {
        var builder = new StringBuilder();
        for (var c = 0; c < columns.Count; c++)
        {
            var text = Cell(cells[c]);
            var last = c == columns.Count - 1;
            if (columns[c].AlignRight)
            {
                builder.Append(text.PadLeft(widths[c]));
            }
            else
            {
                builder.Append(last ? text : text.PadRight(widths[c]));
            }

            if (!last)
            {
                builder.Append("  ");
            }
        }

        return builder.ToString().TrimEnd();
    }
}

/// <summary>Standard output was closed by the reader (a pipe into <c>head</c>): the command stops quietly, exit 0.</summary>
internal sealed class OutputClosedException(IOException inner) : Exception("Standard output was closed.", inner);

/// <summary>
/// Standard output could not be written for another reason (a full disk, <c>/dev/full</c>, an I/O error): the result was
/// wanted and is lost, so the command fails (exit 1, kind <c>io</c>).
/// </summary>
internal sealed class OutputFailedException(IOException inner) : Exception($"Could not write to standard output: {inner.Message}", inner);

using DocMap.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DocMap.Cli.Output;

/// <summary>
/// Everything that uses Spectre.Console, kept in one class so that plain runs (pipes, <c>NO_COLOR</c>, <c>--json</c>,
/// <c>--version</c>) never load it.
/// </summary>
internal static class RichConsole
{
    public static void WriteTable(CliHost host, TextWriter writer, IReadOnlyList<Column> columns, IReadOnlyList<string?[]> rows)
    {
        var console = Create(host, writer);
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            var tableColumn = new TableColumn(new Text(column.Header, new Style(decoration: Decoration.Bold)));
            if (column.AlignRight)
            {
                tableColumn.RightAligned();
            }

            table.AddColumn(tableColumn);
        }

        foreach (var row in rows)
        {
            var cells = new IRenderable[columns.Count];
            for (var c = 0; c < columns.Count; c++)
            {
                var text = CliOutput.Cell(row[c]);
                var colour = columns[c].Colour?.Invoke(text);
                cells[c] = new Text(text, colour is null ? Style.Plain : Style.Parse(colour));
            }

            table.AddRow(cells);
        }

        console.Write(table);
    }

    public static void WriteStyled(CliHost host, TextWriter writer, string label, string colour, string message)
    {
        var console = Create(host, writer);
        console.Write(new Text(label, Style.Parse(colour + " bold")));
        console.WriteLine(CliOutput.Cell(message), Style.Plain);
    }

    public static async Task<T> WithSpinnerAsync<T>(CliHost host, TextWriter writer, string status, Func<Task<T>> work)
    {
        var console = Create(host, writer);
        return await console.Status()
            .Spinner(Spinner.Known.Dots)
            .StartAsync(Markup.Escape(status), _ => work())
            .ConfigureAwait(false);
    }

    /// <summary>The variables Spectre reads to pick a colour system, taken from the host (not from this process) so tests can set them.</summary>
    private static readonly string[] TerminalVariables = ["TERM", "COLORTERM", "TERM_PROGRAM", "WT_SESSION", "ConEmuANSI", "NO_COLOR", "CI"];

    private static IAnsiConsole Create(CliHost host, TextWriter writer)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in TerminalVariables)
        {
            if (host.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new TerminalOutput(writer, host.TerminalWidth),
            EnvironmentVariables = environment,
        });
    }

    /// <summary>Spectre's output over our writer, which is a terminal (the caller checked).</summary>
    private sealed class TerminalOutput(TextWriter writer, int? width) : IAnsiConsoleOutput
    {
        public TextWriter Writer => writer;

        public bool IsTerminal => true;

        public int Width => width ?? Measure(() => Console.WindowWidth, 120);

        public int Height => Measure(() => Console.WindowHeight, 40);

        public void SetEncoding(System.Text.Encoding encoding)
        {
        }

        private static int Measure(Func<int> read, int fallback)
        {
            try
            {
                var value = read();
                return value > 0 ? value : fallback;
            }
            catch (IOException)
            {
                return fallback;
            }
            catch (PlatformNotSupportedException)
            {
                return fallback;
            }
        }
    }
}

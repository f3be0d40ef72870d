using System.Text.RegularExpressions;

namespace DocMap.Client.Docs.Tests.Harness;

/// <summary>How a C# block of the docs is compiled (see CONTRIBUTING.md, "Code in the docs").</summary>
public enum SnippetMode
{
    /// <summary>No marker: a whole <c>Program.cs</c> with top-level statements (types may follow the statements).</summary>
    Program,

    /// <summary><c>&lt;!-- snippet: class --&gt;</c>: a file of type declarations only, compiled as a library.</summary>
    Class,

    /// <summary>
    /// <c>&lt;!-- snippet: partial --&gt;</c>: deliberately a fragment. Compiled like <see cref="Program"/>, with the
    /// documented placeholders (<c>builder</c>, <c>app</c>, <c>docmap</c>, …) in scope; see <see cref="SnippetPlaceholders"/>.
    /// </summary>
    Partial,

    /// <summary><c>&lt;!-- snippet: skip reason="..." --&gt;</c>: not compiled; the reason is required and the skips are counted.</summary>
    Skip,
}

/// <summary>One fenced C# block of a Markdown file.</summary>
/// <param name="File">The Markdown file, relative to the repository root, with <c>/</c> separators.</param>
/// <param name="FenceLine">The 1-based line of the opening fence.</param>
/// <param name="Mode">How it is compiled.</param>
/// <param name="SkipReason">For <see cref="SnippetMode.Skip"/>, the stated reason.</param>
/// <param name="Code">The block's text, its fence's indentation removed.</param>
public sealed record DocSnippet(string File, int FenceLine, SnippetMode Mode, string? SkipReason, string Code)
{
    /// <summary>The 1-based Markdown line of the block's first code line.</summary>
    public int FirstCodeLine => FenceLine + 1;

    /// <summary><c>file:line</c> of the opening fence.</summary>
    public string Location => $"{File}:{FenceLine}";
}

/// <summary>A problem with the docs' markup itself (a malformed or stray marker, an unclosed fence), as <c>file:line: text</c>.</summary>
public sealed record MarkupProblem(string File, int Line, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}: {Message}";
}

/// <summary>The C# blocks of one Markdown file and the markup problems found on the way.</summary>
public sealed record MarkdownSnippetFile(string File, IReadOnlyList<DocSnippet> Snippets, IReadOnlyList<MarkupProblem> Problems);

/// <summary>
/// Finds the fenced code blocks of a Markdown text (backtick or tilde fences of three or more, at any indentation, as
/// CommonMark; a fence closes with the same character, at least as long, and nothing after it) and reads the
/// <c>&lt;!-- snippet: … --&gt;</c> marker on the last non-blank line before each C# fence.
/// </summary>
public static partial class MarkdownSnippetReader
{
    /// <summary>The info strings (first word, any case) that mark a block as C#.</summary>
    public static readonly IReadOnlySet<string> CSharpLanguages = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "csharp", "cs", "c#" };

    public static MarkdownSnippetFile Read(string file, string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var snippets = new List<DocSnippet>();
        var problems = new List<MarkupProblem>();
        var usedMarkers = new HashSet<int>();
        var insideFences = new HashSet<int>();

        for (var i = 0; i < lines.Length; i++)
        {
            var open = OpeningFence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value.Length;
            var fence = open.Groups["fence"].Value;
            var info = open.Groups["info"].Value.Trim();
            if (fence[0] == '`' && info.Contains('`', StringComparison.Ordinal))
            {
                continue; // not a fence: inline code such as ```x``` (CommonMark)
            }

            var language = info.Split([' ', '\t', '{'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
            var end = FindClosingFence(lines, i + 1, fence);
            if (end < 0)
            {
                problems.Add(new MarkupProblem(file, i + 1, $"the code fence opened here ({fence}{language}) is never closed"));
                end = lines.Length;
            }

            var markerLine = PreviousNonBlank(lines, i);
            var marker = markerLine >= 0 ? MarkerPattern().Match(lines[markerLine]) : Match.Empty;
            var isCSharp = CSharpLanguages.Contains(language);
            if (marker.Success)
            {
                usedMarkers.Add(markerLine);
                if (!isCSharp)
                {
                    problems.Add(new MarkupProblem(file, markerLine + 1, $"a snippet marker only applies to a C# block, but the fence on line {i + 1} is '{(language.Length == 0 ? "(no language)" : language)}'"));
                }
            }

            if (isCSharp)
            {
                var (mode, reason, problem) = marker.Success ? ParseMarker(marker) : (SnippetMode.Program, null, null);
                if (problem is not null)
                {
                    problems.Add(new MarkupProblem(file, markerLine + 1, problem));
                }
                else
                {
                    var body = lines.Skip(i + 1).Take(end - i - 1).Select(line => Unindent(line, indent));
                    snippets.Add(new DocSnippet(file, i + 1, mode, reason, string.Join('\n', body)));
                }
            }

            for (var j = i; j <= end && j < lines.Length; j++)
            {
                insideFences.Add(j);
            }

            i = end;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (!usedMarkers.Contains(i) && !insideFences.Contains(i) && AnyMarker().IsMatch(lines[i]))
            {
                problems.Add(new MarkupProblem(file, i + 1, "a snippet marker must be the last non-blank line before a C# code fence (this one is not, or is malformed): " + lines[i].Trim()));
            }
        }

        return new MarkdownSnippetFile(file, snippets, problems);
    }

    private static (SnippetMode Mode, string? Reason, string? Problem) ParseMarker(Match marker)
    {
        var mode = marker.Groups["mode"].Value;
        var rest = marker.Groups["rest"].Value.Trim();
        switch (mode)
        {
            case "class" or "partial" or "program" when rest.Length == 0:
                return (mode switch { "class" => SnippetMode.Class, "partial" => SnippetMode.Partial, _ => SnippetMode.Program }, null, null);
            case "class" or "partial" or "program":
                return (SnippetMode.Program, null, $"the snippet marker '{mode}' takes no arguments (found '{rest}')");
            case "skip":
                var reason = SkipReason().Match(rest);
                return reason.Success && reason.Groups["reason"].Value.Trim().Length > 0
                    ? (SnippetMode.Skip, reason.Groups["reason"].Value.Trim(), null)
                    : (SnippetMode.Skip, null, "a skipped snippet must say why: <!-- snippet: skip reason=\"...\" -->");
            default:
                return (SnippetMode.Program, null, $"unknown snippet marker '{mode}': use class, partial or skip reason=\"...\" (no marker: a whole Program.cs)");
        }
    }

    private static int FindClosingFence(string[] lines, int from, string fence)
    {
        for (var j = from; j < lines.Length; j++)
        {
            var close = ClosingFence().Match(lines[j]);
            if (close.Success && close.Groups["fence"].Value[0] == fence[0] && close.Groups["fence"].Value.Length >= fence.Length)
            {
                return j;
            }
        }

        return -1;
    }

    private static int PreviousNonBlank(string[] lines, int index)
    {
        for (var j = index - 1; j >= 0; j--)
        {
            if (!string.IsNullOrWhiteSpace(lines[j]))
            {
                return j;
            }
        }

        return -1;
    }

    private static string Unindent(string line, int indent)
    {
        var remove = 0;
        while (remove < indent && remove < line.Length && line[remove] == ' ')
        {
            remove++;
        }

        return line[remove..];
    }

    [GeneratedRegex(@"^(?<indent> *)(?<fence>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex OpeningFence();

    [GeneratedRegex(@"^ *(?<fence>`{3,}|~{3,})[ \t]*$")]
    private static partial Regex ClosingFence();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<mode>[A-Za-z]+)(?<rest>.*?)\s*-->\s*$")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"^\s*<!--\s*snippet\b", RegexOptions.IgnoreCase)]
    private static partial Regex AnyMarker();

    [GeneratedRegex("^reason=\"(?<reason>[^\"]*)\"$")]
    private static partial Regex SkipReason();
}

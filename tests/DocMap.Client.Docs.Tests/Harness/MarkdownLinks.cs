using System.Text;
using System.Text.RegularExpressions;

namespace DocMap.Client.Docs.Tests.Harness;

/// <summary>
/// Checks the links of the repository's Markdown files: a relative link, or one into this repository on GitHub
/// (<c>https://github.com/docmap/docmap-dotnet/blob/main/…</c>, the form the package readmes use), must name a file
/// that exists, and its <c>#anchor</c> a heading of that file (GitHub's slugs). A package readme
/// (<c>src/*/README.md</c>) uses absolute links only: it is shown on nuget.org, where relative links lead nowhere.
/// Links to other sites are not followed (no network).
/// </summary>
public static partial class MarkdownLinks
{
    /// <summary>The repository's files on GitHub, as the build props name it (RepositoryUrl) plus the main branch.</summary>
    public const string RepositoryFiles = "https://github.com/docmap/docmap-dotnet/blob/main/";

    public static IReadOnlyList<string> Problems(string root, IReadOnlyList<string> files)
    {
        var problems = new List<string>();
        var slugs = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var lines = File.ReadAllText(Path.Combine(root, file)).ReplaceLineEndings("\n").Split('\n');
            var isPackageReadme = file.StartsWith("src/", StringComparison.Ordinal) && file.EndsWith("/README.md", StringComparison.Ordinal);
            foreach (var (line, number) in Prose(lines))
            {
                foreach (Match link in LinkPattern().Matches(StripCodeSpans(line)))
                {
                    var target = link.Groups["target"].Value;
                    var problem = Check(root, file, target, isPackageReadme, slugs);
                    if (problem is not null)
                    {
                        problems.Add($"{file}:{number}: link '{target}' {problem}");
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>GitHub's anchors of a Markdown text's headings (duplicates get <c>-1</c>, <c>-2</c>, …).</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        foreach (var (line, _) in Prose(lines))
        {
            var heading = HeadingPattern().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++)
            {
                unique = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    /// <summary>GitHub's slug of a heading: its text (markup and link targets dropped), lower case, punctuation removed, spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim().TrimEnd('#').Trim(), "${text}");
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    private static string? Check(string root, string file, string target, bool isPackageReadme, Dictionary<string, HashSet<string>> slugs)
    {
        string path;
        string? anchor;
        if (target.StartsWith(RepositoryFiles, StringComparison.Ordinal))
        {
            (path, anchor) = Split(target[RepositoryFiles.Length..]);
        }
        else if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
        {
            return null;
        }
        else if (isPackageReadme)
        {
            return $"is relative: a package readme is shown on nuget.org, so link to {RepositoryFiles}…";
        }
        else if (target.StartsWith('#'))
        {
            (path, anchor) = (file, target[1..]);
        }
        else
        {
            var (relative, fragment) = Split(target);
            path = Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file) ?? string.Empty, relative))).Replace('\\', '/');
            anchor = fragment;
        }

        var full = Path.Combine(root, path);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return $"names {path}, which does not exist";
        }

        if (anchor is null || !path.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!slugs.TryGetValue(path, out var anchors))
        {
            anchors = Anchors(File.ReadAllText(full));
            slugs[path] = anchors;
        }

        return anchors.Contains(anchor) ? null : $"points to #{anchor}, which is no heading of {path}";
    }

    private static (string Path, string? Anchor) Split(string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (Uri.UnescapeDataString(target), null) : (Uri.UnescapeDataString(target[..hash]), target[(hash + 1)..]);
    }

    /// <summary>The lines outside fenced code blocks, with their 1-based numbers.</summary>
    private static IEnumerable<(string Line, int Number)> Prose(string[] lines)
    {
        string? fence = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var marker = FencePattern().Match(lines[i]);
            if (marker.Success && (fence is null || (marker.Groups["fence"].Value[0] == fence[0] && marker.Groups["fence"].Value.Length >= fence.Length && marker.Groups["rest"].Value.Trim().Length == 0)))
            {
                fence = fence is null ? marker.Groups["fence"].Value : null;
                continue;
            }

            if (fence is null)
            {
                yield return (lines[i], i + 1);
            }
        }
    }

    private static string StripCodeSpans(string line) => CodeSpan().Replace(line, string.Empty);

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}#{1,6}\s+(?<text>.+)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^ *(?<fence>`{3,}|~{3,})(?<rest>.*)$")]
    private static partial Regex FencePattern();

    [GeneratedRegex("(`+).*?\\1")]
    private static partial Regex CodeSpan();
}

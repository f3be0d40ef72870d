using System.Reflection;

namespace DocMap.Client.Docs.Tests.Harness;

/// <summary>The repository's Markdown files: every <c>*.md</c> outside build output, test results and <c>.git</c>.</summary>
public static class DocsFiles
{
    private static readonly HashSet<string> ExcludedDirectories = new(StringComparer.Ordinal)
    {
        ".git", "bin", "obj", "TestResults", "artifacts", "BenchmarkDotNet.Artifacts", "node_modules", "out",
    };

    /// <summary>The repository root, recorded by the project file at build time.</summary>
    public static string RepositoryRoot { get; } =
        typeof(DocsFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("The RepositoryRoot assembly metadata is missing.");

    /// <summary>Every Markdown file, relative to the root with <c>/</c> separators, in a stable order.</summary>
    public static IReadOnlyList<string> All()
    {
        var found = new List<string>();
        Walk(new DirectoryInfo(RepositoryRoot), found);
        return [.. found.Order(StringComparer.Ordinal)];
    }

    private static void Walk(DirectoryInfo directory, List<string> found)
    {
        foreach (var file in directory.EnumerateFiles("*.md"))
        {
            found.Add(Path.GetRelativePath(RepositoryRoot, file.FullName).Replace('\\', '/'));
        }

        foreach (var child in directory.EnumerateDirectories())
        {
            if (!ExcludedDirectories.Contains(child.Name) && (child.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                Walk(child, found);
            }
        }
    }
}

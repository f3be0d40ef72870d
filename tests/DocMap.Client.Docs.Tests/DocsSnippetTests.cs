using System.Text;
using DocMap.Client.Docs.Tests.Harness;
using Xunit.Abstractions;

namespace DocMap.Client.Docs.Tests;

/// <summary>Every C# block of every Markdown file in the repository compiles as documented in CONTRIBUTING.md.</summary>
public sealed class DocsSnippetTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_csharp_block_in_the_repository_docs_compiles()
    {
        var files = DocsFiles.All();
        Assert.Contains("README.md", files);
        Assert.Contains("CONTRIBUTING.md", files);
        Assert.Contains(files, f => f.StartsWith("docs/", StringComparison.Ordinal));
        Assert.Contains(files, f => f.StartsWith("src/", StringComparison.Ordinal) && f.EndsWith("/README.md", StringComparison.Ordinal));

        var compiler = SnippetCompiler.Default;
        output.WriteLine($"{compiler.ReferenceCount} references, {compiler.AnalyzerCount} analyzers, generators: {string.Join(", ", compiler.GeneratorNames)}");

        var failures = new List<string>();
        var summary = new StringBuilder();
        int compiled = 0, skipped = 0;
        foreach (var file in files)
        {
            var read = MarkdownSnippetReader.Read(file, File.ReadAllText(Path.Combine(DocsFiles.RepositoryRoot, file)));
            failures.AddRange(read.Problems.Select(p => p.ToString()));
            int fileCompiled = 0, fileSkipped = 0;
            foreach (var snippet in read.Snippets)
            {
                if (snippet.Mode == SnippetMode.Skip)
                {
                    fileSkipped++;
                    output.WriteLine($"skipped {snippet.Location}: {snippet.SkipReason}");
                    continue;
                }

                fileCompiled++;
                var result = compiler.Compile(snippet);
                if (!result.Succeeded)
                {
                    failures.Add($"{snippet.Location} ({snippet.Mode.ToString().ToLowerInvariant()}) does not compile:\n    " + string.Join("\n    ", result.Failures));
                }
            }

            if (fileCompiled + fileSkipped > 0)
            {
                summary.AppendLine($"{file}: {fileCompiled} compiled, {fileSkipped} skipped");
            }

            compiled += fileCompiled;
            skipped += fileSkipped;
        }

        output.WriteLine(summary.ToString());
        output.WriteLine($"total: {compiled} compiled, {skipped} skipped");
        Assert.True(failures.Count == 0, $"{failures.Count} problem(s) in the docs' code:\n" + string.Join("\n", failures));

        // A floor, so that a broken reader (no block found) cannot pass: the docs hold far more than this.
        Assert.True(compiled >= 20, $"only {compiled} C# blocks were found in {files.Count} Markdown files");
    }
}

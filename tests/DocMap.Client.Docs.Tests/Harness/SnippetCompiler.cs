using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DocMap.Client.Docs.Tests.Harness;

/// <summary>The outcome of compiling one snippet: no failures means it compiles cleanly.</summary>
/// <param name="Snippet">The snippet.</param>
/// <param name="Failures">Each failure as <c>file:line: id: message</c>, Markdown lines.</param>
public sealed record SnippetResult(DocSnippet Snippet, IReadOnlyList<string> Failures)
{
    public bool Succeeded => Failures.Count == 0;
}

/// <summary>
/// Compiles doc snippets with Roslyn as a <c>dotnet new web</c> project on .NET 10 would: C# 14, nullable enabled,
/// warning level 10, the web SDK's implicit usings, against the reference assemblies this test project compiles
/// against (the .NET and ASP.NET Core reference packs, the DocMap packages, their dependencies, xunit, TestHost and
/// Mvc.Testing), with the source generators and analyzers of the two reference packs (System.Text.Json's
/// <c>[JsonSerializable]</c>, <c>[LoggerMessage]</c>, <c>[GeneratedRegex]</c>, options validation, the ASP.NET Core
/// analyzers, <c>public partial class Program</c>), which a web project runs by default. Every error and every warning
/// a user would see is a failure, and so is an ellipsis standing for code.
/// </summary>
public sealed class SnippetCompiler
{
    private const string InputsFile = "docs-snippets.inputs";

    private static readonly Lazy<SnippetCompiler> LazyDefault = new(() => new SnippetCompiler(ReadInputs()));

    private readonly ImmutableArray<MetadataReference> _references;
    private readonly ImmutableArray<ISourceGenerator> _generators;
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;

    private SnippetCompiler((IReadOnlyList<string> References, IReadOnlyList<string> Analyzers) inputs)
    {
        _references = [.. inputs.References.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
        var loader = new AnalyzerLoader();
        var analyzerFiles = inputs.Analyzers.Select(path => new AnalyzerFileReference(path, loader)).ToList();
        foreach (var file in analyzerFiles)
        {
            file.AnalyzerLoadFailed += (_, e) => throw new InvalidOperationException($"Could not load analyzer {file.FullPath}: {e.Message}", e.Exception);
        }

        _generators = [.. analyzerFiles.SelectMany(file => file.GetGenerators(LanguageNames.CSharp))];
        _analyzers = [.. analyzerFiles.SelectMany(file => file.GetAnalyzers(LanguageNames.CSharp))];
        ReferenceCount = _references.Length;
        GeneratorNames = [.. _generators.Select(g => g.GetGeneratorType().Name).Order(StringComparer.Ordinal)];
        AnalyzerCount = _analyzers.Length;
    }

    /// <summary>The compiler over the inputs MSBuild wrote next to the test assembly.</summary>
    public static SnippetCompiler Default => LazyDefault.Value;

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp14, DocumentationMode.None);

    public int ReferenceCount { get; }

    public IReadOnlyList<string> GeneratorNames { get; }

    public int AnalyzerCount { get; }

    public SnippetResult Compile(DocSnippet snippet)
    {
        if (snippet.Mode == SnippetMode.Skip)
        {
            throw new ArgumentException("A skipped snippet is not compiled.", nameof(snippet));
        }

        var failures = new List<string>();
        var tree = CSharpSyntaxTree.ParseText(snippet.Code, ParseOptions, path: snippet.File);
        var root = tree.GetCompilationUnitRoot();
        var hasStatements = root.Members.OfType<GlobalStatementSyntax>().Any();

        failures.AddRange(FindEllipses(snippet, root));
        if (snippet.Mode == SnippetMode.Class && hasStatements)
        {
            failures.Add($"{snippet.Location}: a 'class' snippet holds type declarations only, but this one has top-level statements (drop the marker to compile it as a Program.cs, or mark it partial)");
        }

        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(SnippetPlaceholders.GlobalUsingsSource(), ParseOptions, path: "GlobalUsings.g.cs"),
            tree,
        };
        if (snippet.Mode == SnippetMode.Partial)
        {
            trees.Add(CSharpSyntaxTree.ParseText(SnippetPlaceholders.PlaceholderSource(), ParseOptions, path: "Placeholders.g.cs"));
        }

        var outputKind = snippet.Mode == SnippetMode.Class || (snippet.Mode == SnippetMode.Partial && !hasStatements)
            ? OutputKind.DynamicallyLinkedLibrary
            : OutputKind.ConsoleApplication;
        var options = new CSharpCompilationOptions(
            outputKind,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 10,
            // The SDK's default NoWarn (assembly unification notes), as in every SDK-style project.
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });
        var compilation = CSharpCompilation.Create("DocSnippet", trees, _references, options);

        var driver = CSharpGeneratorDriver.Create(_generators, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);

        var diagnostics = generatorDiagnostics.AddRange(
            _analyzers.IsEmpty
                ? generated.GetDiagnostics()
                : generated.WithAnalyzers(_analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult());
        foreach (var diagnostic in diagnostics
                     .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
                     .OrderBy(d => d.Location.SourceSpan.Start))
        {
            failures.Add(Describe(snippet, tree, diagnostic));
        }

        return new SnippetResult(snippet, failures);
    }

    /// <summary>
    /// <c>...</c> or <c>…</c> in code (outside comments and string literals), or a comment that is nothing but an
    /// ellipsis (<c>/* … */</c>, <c>// ...</c>), stands for code that is not there.
    /// </summary>
    private static IEnumerable<string> FindEllipses(DocSnippet snippet, CompilationUnitSyntax root)
    {
        var tokens = root.DescendantTokens(descendIntoTrivia: true).ToList();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var isEllipsis =
                (token.IsKind(SyntaxKind.DotDotToken) && i + 1 < tokens.Count && tokens[i + 1].IsKind(SyntaxKind.DotToken) && tokens[i + 1].SpanStart == token.Span.End)
                || (token.IsKind(SyntaxKind.BadToken) && token.Text.Contains('…', StringComparison.Ordinal));
            if (isEllipsis)
            {
                yield return $"{snippet.File}:{MarkdownLine(snippet, token.GetLocation())}: '...' stands for code that is not there: write the real code (or a comment that says what goes there)";
            }
        }

        foreach (var trivia in root.DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia))
            {
                var text = trivia.ToString().Trim('/', '*', ' ', '\t');
                if (text is "..." or "…")
                {
                    yield return $"{snippet.File}:{MarkdownLine(snippet, trivia.GetLocation())}: the comment '{trivia}' stands for code that is not there: write the real code (or a comment that says what goes there)";
                }
            }
        }
    }

    private static string Describe(DocSnippet snippet, SyntaxTree snippetTree, Diagnostic diagnostic)
    {
        var severity = diagnostic.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        if (diagnostic.Location.SourceTree == snippetTree)
        {
            return $"{snippet.File}:{MarkdownLine(snippet, diagnostic.Location)}: {severity} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        var where = diagnostic.Location.IsInSource
            ? $"{diagnostic.Location.SourceTree?.FilePath}:{diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1}"
            : "(no source)";
        return $"{snippet.Location}: {severity} {diagnostic.Id} in {where}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static int MarkdownLine(DocSnippet snippet, Location location) =>
        snippet.FirstCodeLine + location.GetLineSpan().StartLinePosition.Line;

    private static (IReadOnlyList<string> References, IReadOnlyList<string> Analyzers) ReadInputs()
    {
        var path = Path.Combine(AppContext.BaseDirectory, InputsFile);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: the test project's WriteDocsSnippetInputs target writes it at build time.");
        }

        var references = new List<string>();
        var analyzers = new List<string>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var separator = line.IndexOf('|', StringComparison.Ordinal);
            var (kind, file) = (line[..separator], line[(separator + 1)..]);
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"{InputsFile} names {file}, which does not exist: rebuild the test project.");
            }

            (kind == "analyzer" ? analyzers : references).Add(file);
        }

        return (references, analyzers);
    }

    /// <summary>Loads analyzer and generator assemblies into the default context, resolving their siblings from the same folders.</summary>
    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

        public AnalyzerLoader()
        {
            AssemblyLoadContext.Default.Resolving += (context, name) =>
            {
                lock (_loaded)
                {
                    foreach (var directory in _directories)
                    {
                        var candidate = Path.Combine(directory, name.Name + ".dll");
                        if (File.Exists(candidate))
                        {
                            return LoadFromPath(candidate);
                        }
                    }
                }

                return null;
            };
        }

        public void AddDependencyLocation(string fullPath)
        {
            lock (_loaded)
            {
                _directories.Add(Path.GetDirectoryName(fullPath)!);
            }
        }

        public Assembly LoadFromPath(string fullPath)
        {
            lock (_loaded)
            {
                _directories.Add(Path.GetDirectoryName(fullPath)!);
                if (!_loaded.TryGetValue(fullPath, out var assembly))
                {
                    assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
                    _loaded[fullPath] = assembly;
                }

                return assembly;
            }
        }
    }
}

using DocMap.Client.Docs.Tests.Harness;

namespace DocMap.Client.Docs.Tests;

/// <summary>
/// The snippet harness itself, on Markdown written here: a broken block is caught and reported at its Markdown line,
/// the markers mean what CONTRIBUTING.md says, and the compilation is a web project's (usings, warnings, generators).
/// </summary>
public sealed class HarnessTests
{
    private const string Fence = "```";

    [Fact]
    public void A_broken_block_among_good_ones_fails_with_its_file_line_and_the_compiler_diagnostic()
    {
        var markdown = $"""
            # Sample

            ```csharp
            Console.WriteLine("fine");
            ```

            Some text.

            ```csharp
            using DocMap.Client.Testing;

            await using var emulator = DocMapEmulator.Start();
            emulator.FailNext(DocMapEndpoint.ListWebhooks, 2, HttpStatusCode.ServiceUnavailable);
            ```
            """;

        var results = Compile(markdown);

        Assert.Equal(2, results.Count);
        Assert.True(results[0].Succeeded, string.Join("\n", results[0].Failures));
        var failure = Assert.Single(results[1].Failures);
        Assert.StartsWith("sample.md:13: error CS0103: The name 'HttpStatusCode' does not exist", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fixed_block_compiles()
    {
        var markdown = """
            ```csharp
            using System.Net;
            using DocMap.Client.Testing;

            await using var emulator = DocMapEmulator.Start();
            emulator.FailNext(DocMapEndpoint.ListWebhooks, 2, HttpStatusCode.ServiceUnavailable);
            ```
            """;

        AssertCompiles(markdown);
    }

    [Theory]
    [InlineData("var options = System.Text.Json.JsonSerializerOptions.Default; Console.WriteLine(JsonSerializer.Serialize(1, options));", "CS0103", "JsonSerializer")]
    [InlineData("Console.WriteLine(HttpStatusCode.OK);", "CS0103", "HttpStatusCode")]
    [InlineData("var app = WebApplication.Create(); app.MapPost(\"/x\", ([FromBody] string text) => text); app.Run();", "CS0246", "FromBody")]
    [InlineData("await using var emulator = DocMapEmulator.Start();", "CS0103", "DocMapEmulator")]
    [InlineData("var secret = WebhookSecret.Parse(new string('a', 64));", "CS0103", "WebhookSecret")]
    [InlineData("Console.WriteLine(WebhookEventType.ExtractionCompleted);", "CS0103", "WebhookEventType")]
    [InlineData("Assert.True(true);", "CS0103", "Assert")]
    public void Only_the_web_templates_implicit_usings_are_in_scope(string code, string expectedId, string name)
    {
        var failures = Assert.Single(Compile(Block(code))).Failures;

        Assert.Contains(failures, f => f.Contains($"error {expectedId}", StringComparison.Ordinal) && f.Contains($"'{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_web_templates_implicit_usings_are_enough_for_a_plain_web_app()
    {
        AssertCompiles(Block("""
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddHttpClient();
            var app = builder.Build();
            var logger = app.Services.GetRequiredService<ILogger<Program>>();
            app.MapGet("/", async (HttpContext context, IConfiguration configuration, CancellationToken ct) =>
            {
                await Task.Delay(1, ct);
                logger.LogInformation("{Path}", context.Request.Path);
                return Results.Ok(File.Exists(configuration["Path"] ?? "x") ? new List<int> { 1 }.First() : 0);
            });
            app.Run();
            """));
    }

    [Theory]
    [InlineData("string? text = args.FirstOrDefault(); Console.WriteLine(text.Length);", "warning CS8602")]
    [InlineData("string text = args.Length > 5 ? \"many\" : null; Console.WriteLine(text);", "warning CS8600")]
    [InlineData("async Task RunAsync() => await Task.Delay(1); RunAsync();", "warning CS4014")]
    [InlineData("int unused; Console.WriteLine();", "warning CS0168")]
    public void A_warning_a_user_would_see_fails_the_block(string code, string expected)
    {
        var failures = Assert.Single(Compile(Block(code))).Failures;

        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_ASP_NET_Core_analyzer_warning_fails_the_block()
    {
        var failures = Assert.Single(Compile(Block("""
            var app = WebApplication.Create();
            app.MapGet("/", (HttpContext context) => context.Response.Headers.Add("X-Test", "1"));
            app.Run();
            """))).Failures;

        Assert.Contains(failures, f => f.Contains("warning ASP0019", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reference_packs_source_generators_run_as_in_a_web_project()
    {
        AssertCompiles(Block("""
            using System.Text.Json;
            using System.Text.Json.Serialization;

            var json = JsonSerializer.Serialize(new Point(1, 2), PointJson.Default.Point);
            Log.Wrote(NullLoggerFactoryShim.Logger, json);

            public sealed record Point(int X, int Y);

            [JsonSerializable(typeof(Point))]
            internal sealed partial class PointJson : JsonSerializerContext;

            internal static partial class Log
            {
                [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Json}")]
                public static partial void Wrote(ILogger logger, string json);
            }

            internal static class NullLoggerFactoryShim
            {
                public static ILogger Logger { get; } = LoggerFactory.Create(_ => { }).CreateLogger("x");
            }
            """));
    }

    [Theory]
    [InlineData("var values = new[] { 1, 2 };\n...\nConsole.WriteLine(values);", 3)]
    [InlineData("var values = new[] { 1, 2 };\nConsole.WriteLine(values…);", 3)]
    [InlineData("var app = WebApplication.Create();\napp.MapGet(\"/\", () =>\n{\n    // ...\n});", 5)]
    [InlineData("var app = WebApplication.Create();\napp.MapGet(\"/\", () => { /* … */ });", 3)]
    public void An_ellipsis_standing_for_code_fails_the_block(string code, int markdownLine)
    {
        var failures = Assert.Single(Compile(Block(code))).Failures;

        Assert.Contains(failures, f => f.StartsWith($"sample.md:{markdownLine}: ", StringComparison.Ordinal) && f.Contains("stands for code that is not there", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ellipsis_in_prose_comments_strings_or_a_range_is_fine()
    {
        AssertCompiles(Block("""
            // Redis: "localhost:6379", "redis:6380,ssl=true,password=…" and so on...
            var configuration = "redis:6380,password=…";   /* elided: the rest of the … settings */
            int[] values = [1, 2, 3];
            int[] all = [.. values, .. values[1..]];
            Console.WriteLine($"{configuration} {all.Length}...");
            """));
    }

    [Fact]
    public void A_class_snippet_holds_declarations_and_is_compiled_as_a_library()
    {
        AssertCompiles($$"""
            <!-- snippet: class -->
            {{Fence}}csharp
            using DocMap.Client.Signatures;
            using DocMap.Client.Signatures.AspNetCore;

            public sealed class Webhooks : DocMapWebhookHandler
            {
                public override Task OnExtractionCompletedAsync(WebhookEvent webhook, CancellationToken ct) => Task.CompletedTask;
            }
            {{Fence}}
            """);

        var withStatement = Assert.Single(Compile($"<!-- snippet: class -->\n{Fence}csharp\nConsole.WriteLine();\n{Fence}")).Failures;
        Assert.Contains(withStatement, f => f.Contains("a 'class' snippet holds type declarations only", StringComparison.Ordinal));

        // Without the marker a file of declarations is not a program.
        var unmarked = Assert.Single(Compile(Block("public sealed class Webhooks;"))).Failures;
        Assert.Contains(unmarked, f => f.Contains("CS5001", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partial_snippet_has_the_documented_placeholders_and_only_it()
    {
        const string code = """
            using DocMap.Client;
            using DocMap.Client.Signatures;
            using DocMap.Client.Signatures.AspNetCore;

            app.MapGet("/hooks/ping", () => "pong");
            logger.LogInformation("{Count} {Key}", (await docmap.ListWebhooksAsync(cancellationToken)).Data.Count, apiKey.Length);
            var verified = new WebhookSignatureVerifier(secret).Verify(body, signatureHeader).IsValid;
            services.AddDocMapClient(o => o.ApiKey = configuration["DocMap:ApiKey"]);
            builder.Services.AddDocMapWebhooks(builder.Configuration);
            await docmap.DeleteWebhookAsync(webhookId, cancellationToken);
            await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, cancellationToken: cancellationToken);
            """;

        AssertCompiles($"<!-- snippet: partial -->\n{Fence}csharp\n{code}\n{Fence}");

        var unmarked = Assert.Single(Compile(Block(code))).Failures;
        Assert.Contains(unmarked, f => f.Contains("CS0103: The name 'app' does not exist", StringComparison.Ordinal));

        // The placeholders are the documented names only.
        var other = Assert.Single(Compile($"<!-- snippet: partial -->\n{Fence}csharp\nrequest.Headers.Clear();\n{Fence}")).Failures;
        Assert.Contains(other, f => f.Contains("CS0103: The name 'request' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partial_snippet_may_declare_its_own_variable_of_a_placeholders_name_and_declare_types()
    {
        AssertCompiles($$"""
            <!-- snippet: partial -->
            {{Fence}}csharp
            var app = WebApplication.Create();
            app.MapGet("/", (IInvoiceStore store) => store.Count());
            app.Run();

            public interface IInvoiceStore
            {
                int Count();
            }
            {{Fence}}
            """);
    }

    [Fact]
    public void A_skip_needs_a_reason_and_is_counted_and_markers_are_checked()
    {
        var read = MarkdownSnippetReader.Read("sample.md", $"""
            <!-- snippet: skip reason="a csproj fragment, not C#" -->
            {Fence}csharp
            <PackageReference Include="DocMap.Client" />
            {Fence}

            <!-- snippet: skip -->
            {Fence}csharp
            nothing
            {Fence}

            <!-- snippet: parital -->
            {Fence}csharp
            Console.WriteLine();
            {Fence}

            <!-- snippet: class -->
            {Fence}json
            []
            {Fence}

            <!-- snippet: partial -->
            A paragraph, not a fence.

            <!-- snippet: class extra -->
            {Fence}csharp
            public sealed class A;
            {Fence}

            {Fence}md
            <!-- snippet: partial -->
            (an example of the markup, inside a fence: not a marker)
            {Fence}
            """);

        var skipped = Assert.Single(read.Snippets);
        Assert.Equal(SnippetMode.Skip, skipped.Mode);
        Assert.Equal("a csproj fragment, not C#", skipped.SkipReason);
        string[] expected =
        [
            "sample.md:6: a skipped snippet must say why",
            "sample.md:11: unknown snippet marker 'parital'",
            "sample.md:16: a snippet marker only applies to a C# block",
            "sample.md:24: the snippet marker 'class' takes no arguments",
            "sample.md:21: a snippet marker must be the last non-blank line before a C# code fence",
        ];
        Assert.Equal(expected.Length, read.Problems.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i], read.Problems[i].ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Fences_are_read_as_CommonMark_writes_them()
    {
        var read = MarkdownSnippetReader.Read("sample.md", """
            1. In a list:

               ```cs
               Console.WriteLine("indented");
               ```

            ~~~C#
            Console.WriteLine("tilde");
            ~~~

            ````csharp
            // A fence of four holds a line of three:
            var text = "```";
            Console.WriteLine(text);
            ````

            ```sh
            dotnet test
            ```

            Inline ```csharp code``` is not a fence.

            ```csharp
            Console.WriteLine("never closed");
            """);

        Assert.Equal([3, 7, 11, 23], read.Snippets.Select(s => s.FenceLine).ToArray());
        Assert.Equal("Console.WriteLine(\"indented\");", read.Snippets[0].Code);
        Assert.Contains("var text = \"```\";", read.Snippets[2].Code, StringComparison.Ordinal);
        Assert.Equal("sample.md:23: the code fence opened here (```csharp) is never closed", Assert.Single(read.Problems).ToString());
        Assert.All(read.Snippets.Take(3), s => Assert.True(SnippetCompiler.Default.Compile(s).Succeeded, string.Join("\n", SnippetCompiler.Default.Compile(s).Failures)));
    }

    private static string Block(string code) => $"{Fence}csharp\n{code}\n{Fence}\n";

    private static List<SnippetResult> Compile(string markdown)
    {
        var read = MarkdownSnippetReader.Read("sample.md", markdown);
        Assert.Empty(read.Problems);
        return [.. read.Snippets.Select(SnippetCompiler.Default.Compile)];
    }

    private static void AssertCompiles(string markdown)
    {
        var results = Compile(markdown);
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Succeeded, string.Join("\n", r.Failures)));
    }
}

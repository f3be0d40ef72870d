using DocMap.Client.Docs.Tests.Harness;

namespace DocMap.Client.Docs.Tests;

/// <summary>The docs' links lead somewhere: files that exist, headings that exist, absolute links in package readmes.</summary>
public sealed class DocsLinkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("docmap-docs-links-").FullName;

    [Fact]
    public void Every_link_in_the_repository_docs_names_a_file_and_heading_that_exist()
    {
        var problems = MarkdownLinks.Problems(DocsFiles.RepositoryRoot, DocsFiles.All());

        Assert.True(problems.Count == 0, $"{problems.Count} broken link(s):\n" + string.Join("\n", problems));
    }

    [Theory]
    [InlineData("DocMap.Client: the webhooks API client", "docmapclient-the-webhooks-api-client")]
    [InlineData("Your own endpoints: `RequireDocMapSignature()`", "your-own-endpoints-requiredocmapsignature")]
    [InlineData("`GET /_emulator`: what is this server", "get-_emulator-what-is-this-server")]
    [InlineData("Limits: slow and oversized senders", "limits-slow-and-oversized-senders")]
    [InlineData("See [the docs](docs/x.md) first ##", "see-the-docs-first")]
    public void Headings_get_GitHubs_anchors(string heading, string anchor)
    {
        Assert.Equal(anchor, MarkdownLinks.Slug(heading));
    }

    [Fact]
    public void Broken_links_are_reported_with_file_and_line_and_good_ones_are_not()
    {
        Write("docs/guide.md", """
            # Guide

            ## Native AOT
            ## Native AOT

            [ok](../README.md#top) [ok](#native-aot-1) [ok](guide.md) [web](https://example.com/nowhere) `[code](nowhere.md)`
            [missing file](missing.md)
            [missing anchor](#nothing-here)

            ```md
            [inside a fence](missing-too.md)
            ```
            """);
        Write("README.md", """
            # Top

            [ok](docs/guide.md#native-aot) [bad](docs/guide.md#native-aot-2)
            """);
        Write("src/Pkg/README.md", """
            # Pkg

            [relative](../../README.md)
            [absolute](https://github.com/docmap/docmap-dotnet/blob/main/README.md#top)
            [absolute, missing](https://github.com/docmap/docmap-dotnet/blob/main/docs/none.md)
            """);

        var problems = MarkdownLinks.Problems(_root, ["README.md", "docs/guide.md", "src/Pkg/README.md"]);

        Assert.Equal(
            [
                "README.md:3: link 'docs/guide.md#native-aot-2' points to #native-aot-2, which is no heading of docs/guide.md",
                "docs/guide.md:7: link 'missing.md' names docs/missing.md, which does not exist",
                "docs/guide.md:8: link '#nothing-here' points to #nothing-here, which is no heading of docs/guide.md",
                "src/Pkg/README.md:3: link '../../README.md' is relative: a package readme is shown on nuget.org, so link to https://github.com/docmap/docmap-dotnet/blob/main/…",
                "src/Pkg/README.md:5: link 'https://github.com/docmap/docmap-dotnet/blob/main/docs/none.md' names docs/none.md, which does not exist",
            ],
            problems);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string file, string text)
    {
        var path = Path.Combine(_root, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}

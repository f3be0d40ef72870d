namespace DocMap.Client.Docs.Tests.Harness;

/// <summary>
/// What every snippet is compiled with: the implicit usings of a <c>dotnet new web</c> project, and, for
/// <c>&lt;!-- snippet: partial --&gt;</c> blocks, the named placeholders. CONTRIBUTING.md lists the same names; keep the
/// two in step.
/// </summary>
public static class SnippetPlaceholders
{
    /// <summary>
    /// The implicit global usings of an SDK-style web project (<c>Microsoft.NET.Sdk.Web</c> with
    /// <c>ImplicitUsings</c> enabled, as <c>dotnet new web</c> creates it): Microsoft.NET.Sdk.CSharp.props plus
    /// Sdk.Server.props of the .NET 10 SDK. Nothing else: a snippet names every other namespace it uses.
    /// </summary>
    public static readonly IReadOnlyList<string> WebProjectImplicitUsings =
    [
        "System",
        "System.Collections.Generic",
        "System.IO",
        "System.Linq",
        "System.Net.Http",
        "System.Net.Http.Json",
        "System.Threading",
        "System.Threading.Tasks",
        "Microsoft.AspNetCore.Builder",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Hosting",
        "Microsoft.Extensions.Logging",
    ];

    /// <summary>The placeholders a partial snippet may use without declaring them: name, type, what it stands for.</summary>
    public static readonly IReadOnlyList<(string Name, string Type, string Meaning)> Names =
    [
        ("builder", "global::Microsoft.AspNetCore.Builder.WebApplicationBuilder", "your app's builder (WebApplication.CreateBuilder(args))"),
        ("app", "global::Microsoft.AspNetCore.Builder.WebApplication", "your built app"),
        ("services", "global::Microsoft.Extensions.DependencyInjection.IServiceCollection", "a service collection (builder.Services, or a test's own)"),
        ("configuration", "global::Microsoft.Extensions.Configuration.IConfiguration", "your configuration (builder.Configuration)"),
        ("docmap", "global::DocMap.Client.IDocMapApi", "a DocMap client (DocMapClient.Create(...) or injected)"),
        ("emulator", "global::DocMap.Client.Testing.DocMapEmulator", "a started emulator (await using var emulator = DocMapEmulator.Start())"),
        ("logger", "global::Microsoft.Extensions.Logging.ILogger", "an ILogger (injected ILogger<T>)"),
        ("cancellationToken", "global::System.Threading.CancellationToken", "the caller's cancellation token"),
        ("apiKey", "string", "your DocMap API key"),
        ("webhookId", "string", "a webhook's id (wh_...)"),
        ("secret", "global::DocMap.Client.Signatures.WebhookSecret", "a webhook's signing secret"),
        ("body", "byte[]", "a delivery's raw body bytes, exactly as received"),
        ("signatureHeader", "string?", "the X-DocMap-Signature header of that delivery"),
    ];

    /// <summary>The name of the class that holds the placeholders (brought into scope with <c>global using static</c>).</summary>
    public const string ClassName = "DocMapSnippetPlaceholders";

    /// <summary>The <c>GlobalUsings.g.cs</c> every snippet is compiled with.</summary>
    public static string GlobalUsingsSource() =>
        string.Concat(WebProjectImplicitUsings.Select(u => $"global using global::{u};\n"));

    /// <summary>
    /// The wrapper of a partial snippet: static properties that are never evaluated (the snippet is compiled, not run),
    /// brought into scope with <c>global using static</c>, so the snippet reads them as if they were its own variables;
    /// a snippet that declares a local of the same name simply shadows the placeholder.
    /// </summary>
    public static string PlaceholderSource() =>
        $"#nullable enable\nglobal using static {ClassName};\n\n"
        + $"internal static class {ClassName}\n{{\n"
        + string.Concat(Names.Select(p => $"    public static {p.Type} {p.Name} => throw new global::System.NotSupportedException(\"{p.Meaning}\");\n"))
        + "}\n";
}

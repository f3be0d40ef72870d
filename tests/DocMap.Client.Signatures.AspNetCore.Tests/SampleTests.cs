using System.Diagnostics;
using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>The WebhookReceiver sample, hosted in process.</summary>
public sealed class SampleTests
{
    private sealed class SampleFactory(string? secret) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            if (secret is not null)
            {
                // The same key the environment variable DocMap__Webhooks__Secrets__0 sets.
                builder.UseSetting("DocMap:Webhooks:Secrets:0", secret);
            }

            builder.ConfigureLogging(logging => logging.AddFakeLogging());
        }
    }

    [Fact]
    public async Task The_sample_verifies_a_delivery_and_logs_its_type_and_extraction_id()
    {
        var secretText = Deliveries.NewSecretText();
        await using var factory = new SampleFactory(secretText);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_sample"), WebhookSecret.Parse(secretText), "/webhooks/docmap"));
        using var unsigned = await client.SendAsync(Deliveries.Request(Deliveries.Body("ext_sample2"), null, "/webhooks/docmap"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var logs = factory.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        var received = Assert.Single(logs, r => r.Category == "WebhookReceiver");
        Assert.Equal(LogLevel.Information, received.Level);
        Assert.Equal("extraction.completed", received.GetStructuredStateValue("EventType"));
        Assert.Equal("ext_sample", received.GetStructuredStateValue("ExtractionId"));
    }

    [Fact]
    public void The_sample_without_a_secret_fails_fast_naming_the_setting()
    {
        using var factory = new SampleFactory(null);

        var ex = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("DocMap:Webhooks:Secrets", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// The samples as users run them: a child process (<c>dotnet DocMap.Samples.WebhookReceiver.dll</c>, and the AOT
/// receiver's JIT build) with the real console logger writing to its standard output, which the test reads raw (CR, LF
/// and escape characters as they were written).
/// </summary>
public sealed class SampleConsoleTests
{
    private const string Marker = "FORGED-4f1d";

    public static TheoryData<string> Samples() => [SampleProcess.WebhookReceiver, SampleProcess.AotReceiver];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_signed_extraction_id_with_CR_LF_ANSI_and_separators_cannot_forge_a_console_log_line(string sampleName)
    {
        var secretText = Deliveries.NewSecretText();
        await using var sample = await SampleProcess.StartAsync(new Dictionary<string, string>
        {
            ["DocMap__Webhooks__Secrets__0"] = secretText,
            ["Logging__LogLevel__DocMap.Client.Signatures.AspNetCore"] = "Debug",
        }, sampleName);
        var lifetimeLinesBefore = CountLinesStartingWith(sample.Output, "info: Microsoft.Hosting.Lifetime[0]");
        Assert.True(lifetimeLinesBefore > 0, sample.Output);

        // The issue's payload, and the variants that beat a formatter which only indents after "\n": a lone CR
        // (returns the cursor over the real line), "\n\r" (undoes the indent), NEL, LS, PS, and ANSI erase-line.
        var extractionId =
            $"ext_forge\\r\\ninfo: Microsoft.Hosting.Lifetime[0]\\r\\n      {Marker} a" +
            $"\\rinfo: Microsoft.Hosting.Lifetime[0] {Marker} b" +
            $"\\n\\rinfo: Microsoft.Hosting.Lifetime[0] {Marker} c" +
            $"\\u0085info: Microsoft.Hosting.Lifetime[0] {Marker} d" +
            $"\\u2028info: Microsoft.Hosting.Lifetime[0] {Marker} e" +
            $"\\u2029info: Microsoft.Hosting.Lifetime[0] {Marker} f" +
            $"\\u001b[2K\\u001b[1Ginfo: Microsoft.Hosting.Lifetime[0] {Marker} g";
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"event":"extraction.completed","extractionId":"{{{extractionId}}}","data":{"id":"ext_plain","status":"completed\r\nwarn: {{{Marker}}} h"}}""");
        using var client = new HttpClient { BaseAddress = sample.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.SendAsync(Deliveries.Signed(body, WebhookSecret.Parse(secretText), "/webhooks/docmap"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = await sample.WaitForOutputAsync(
            text => text.Contains("DocMap event", StringComparison.Ordinal) && text.Contains("Verified DocMap webhook", StringComparison.Ordinal) &&
                    text.LastIndexOf(Marker + " h", StringComparison.Ordinal) > text.IndexOf("DocMap event", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));

        // A terminal starts a new line at CR, LF, NEL, LS and PS: in every such line the marker may only appear inside
        // one of the two real messages, and no new line may look like the host's lifetime messages.
        var lines = output.Split(['\r', '\n', '\u0085', '\u2028', '\u2029']);
        Assert.Equal(lifetimeLinesBefore, CountLinesStartingWith(output, "info: Microsoft.Hosting.Lifetime[0]"));
        Assert.All(lines.Where(l => l.Contains(Marker, StringComparison.Ordinal)), line =>
            Assert.True(line.Contains("DocMap event", StringComparison.Ordinal) || line.Contains("Verified DocMap webhook", StringComparison.Ordinal), $"a forged line: '{line}'"));
        Assert.DoesNotContain('\u001b', output);
        Assert.Contains("ext_forge\\r\\ninfo: Microsoft.Hosting.Lifetime[0]", output, StringComparison.Ordinal);
    }

    private static int CountLinesStartingWith(string output, string prefix) =>
        output.Split(['\r', '\n', '\u0085', '\u2028', '\u2029']).Count(line => line.TrimStart().StartsWith(prefix, StringComparison.Ordinal));
}

/// <summary>The sample receiver running as a child process on a free loopback port; its standard output is kept raw.</summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly Task _reader;

    private SampleProcess(Process process)
    {
        _process = process;
        _reader = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            int n;
            while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
            {
                lock (_stdout)
                {
                    _stdout.Write(buffer, 0, n);
                }
            }
        });
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return Encoding.UTF8.GetString(_stdout.GetBuffer(), 0, (int)_stdout.Length);
            }
        }
    }

    public const string WebhookReceiver = "DocMap.Samples.WebhookReceiver";

    public const string AotReceiver = "DocMap.Samples.AotReceiver";

    /// <summary>
    /// Starts a sample. The WebhookReceiver sample is referenced, so it sits beside the tests; the AOT receiver is only
    /// built (its JIT build) and runs from its own output folder, its content root, as it does when published.
    /// </summary>
    public static async Task<SampleProcess> StartAsync(IDictionary<string, string> environment, string sampleName = WebhookReceiver)
    {
        var directory = sampleName == WebhookReceiver
            ? AppContext.BaseDirectory
            : typeof(SampleProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>()
                .Single(a => a.Key == "AotReceiverOutput").Value!;
        var assembly = Path.Combine(directory, sampleName + ".dll");
        Assert.True(File.Exists(assembly), $"{assembly} was not built");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var sample = new SampleProcess(Process.Start(start) ?? throw new InvalidOperationException("The sample did not start."));
        try
        {
            // The host's start-up messages end with the content root.
            var output = await sample.WaitForOutputAsync(
                text => ListeningOn().IsMatch(text) && text.Contains("Content root path:", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            sample.BaseAddress = new Uri(ListeningOn().Match(output).Groups[1].Value);
            return sample;
        }
        catch
        {
            await sample.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls the output (bounded) until <paramref name="done"/> holds, and returns it.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var output = Output;
            if (done(output))
            {
                return output;
            }

            if (_process.HasExited && _reader.IsCompleted)
            {
                Assert.Fail($"The sample exited ({_process.ExitCode}): {output}");
            }

            Assert.True(clock.Elapsed < timeout, $"Timed out waiting for the sample's output: {output}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private static System.Text.RegularExpressions.Regex ListeningOn() =>
        new(@"Now listening on: (http://127\.0\.0\.1:\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}

using System.Text;
using System.Text.Json;
using DocMap.Cli;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>What one in-process run of <c>docmap</c> printed and returned.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;

    /// <summary>Standard output parsed as the single JSON document <c>--json</c> promises.</summary>
    public JsonElement Json()
    {
        var lines = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one JSON line on stdout, got {lines.Length}:\n{Stdout}\nstderr:\n{Stderr}");
        using var document = JsonDocument.Parse(lines[0]);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A StringWriter that can be read while another thread writes (for --watch and emulator).</summary>
internal sealed class LockedStringWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_text)
        {
            _text.Append(value).Append('\n');
        }
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}

/// <summary>Runs <c>docmap</c> in-process through <see cref="CliApp.RunAsync"/> with captured streams and a chosen environment.</summary>
internal sealed class CliRunner
{
    private readonly Dictionary<string, string?> _environment = new(StringComparer.Ordinal);

    /// <summary>Standard input bytes; null means stdin is a terminal (not redirected).</summary>
    public byte[]? Stdin { get; set; }

    /// <summary>Pretend both output streams are terminals (rich output) unless NO_COLOR is set.</summary>
    public bool Interactive { get; set; }

    /// <summary>The host's emulator detection timeout for these runs (null: the tool's default).</summary>
    public TimeSpan? DetectTimeout { get; set; }

    /// <summary>The host's trigger timeout for these runs (null: the tool's default).</summary>
    public TimeSpan? TriggerTimeout { get; set; }

    public LockedStringWriter Stdout { get; private set; } = new();

    public LockedStringWriter Stderr { get; private set; } = new();

    public CliRunner With(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    public static CliRunner ForEmulator(DocMap.Client.Testing.DocMapEmulator emulator) =>
        new CliRunner().With("DOCMAP_API_KEY", emulator.ApiKey).With("DOCMAP_BASE_URL", emulator.Url.AbsoluteUri);

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    public Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        Stdout = new LockedStringWriter();
        Stderr = new LockedStringWriter();
        return RunCoreAsync(args, cancellationToken);
    }

    private async Task<CliRun> RunCoreAsync(string[] args, CancellationToken cancellationToken)
    {
        var host = new CliHost(
            Stdout,
            Stderr,
            () => new MemoryStream(Stdin ?? []),
            name => _environment.TryGetValue(name, out var value) ? value : null,
            isInputRedirected: Stdin is not null,
            isOutputRedirected: !Interactive,
            isErrorRedirected: !Interactive)
        {
            TerminalWidth = 240,
            EmulatorDetectTimeout = DetectTimeout ?? CliHost.DefaultEmulatorDetectTimeout,
            EmulatorTriggerTimeout = TriggerTimeout ?? CliHost.DefaultEmulatorTriggerTimeout,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2)); // a hung command fails the test instead of hanging the run
        var exit = await CliApp.RunAsync(args, host, timeout.Token);
        return new CliRun(exit, Stdout.ToString(), Stderr.ToString());
    }

    /// <summary>Starts a long-running command (watch, emulator) and returns its task; cancel <paramref name="stop"/> to end it.</summary>
    public Task<CliRun> StartAsync(string[] args, CancellationToken stop)
    {
        Stdout = new LockedStringWriter();
        Stderr = new LockedStringWriter();
        return Task.Run(() => RunCoreAsync(args, stop));
    }

    /// <summary>Waits (bounded) until standard output satisfies <paramref name="condition"/>.</summary>
    public async Task<string> WaitForStdoutAsync(Func<string, bool> condition, Task<CliRun> running, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var text = Stdout.ToString();
            if (condition(text))
            {
                return text;
            }

            if (running.IsCompleted)
            {
                Assert.Fail($"the command ended early: {await running}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for output; stdout so far:\n{text}\nstderr:\n{Stderr}");
            }

            await Task.Delay(50);
        }
    }
}

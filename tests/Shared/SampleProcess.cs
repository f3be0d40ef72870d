using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace DocMap.Client.Tests.Shared;

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

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

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
    public static async Task<SampleProcess> StartAsync(IDictionary<string, string> environment, string sampleName = WebhookReceiver, TimeSpan? startTimeout = null)
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
                text => ListeningOn().IsMatch(text) && text.Contains("Content root path:", StringComparison.Ordinal), startTimeout ?? TimeSpan.FromSeconds(60));
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

    /// <summary>SIGKILL: the process dies at once, with whatever it had not written or recorded.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM, as a container runtime or systemd stops an app: a graceful stop (the host's shutdown runs, logs are flushed).</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
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

    private static Regex ListeningOn() =>
        new(@"Now listening on: (http://127\.0\.0\.1:\d+)", RegexOptions.CultureInvariant);
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DocMap.Cli.Tests;

/// <summary>The tool as a real process: start-up paths, plain output into a pipe, and Ctrl+C / SIGTERM handling.</summary>
public sealed class ProcessTests
{
    private static ProcessStartInfo Docmap(params string[] args)
    {
        // The tool's own build output (its deps.json and dependencies as packed), not the copy in this test's folder.
        var output = new DirectoryInfo(AppContext.BaseDirectory); // tests/DocMap.Cli.Tests/bin/<Configuration>/<tfm>/
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        var root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "src", "DocMap.Cli", "bin", configuration, framework, "DocMap.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("DOCMAP_API_KEY");
        start.Environment.Remove("DOCMAP_BASE_URL");
        start.Environment.Remove("DOCMAP_WEBHOOK_SECRET");
        return start;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Version_and_a_usage_error_as_processes_print_and_exit_as_documented()
    {
        var version = await RunAsync(Docmap("--version"));
        var wrong = await RunAsync(Docmap("deliveries", "--limit", "0"));

        Assert.Equal(0, version.Exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout);
        Assert.Equal(2, wrong.Exit);
        Assert.StartsWith("error: --limit must be", wrong.Stderr, StringComparison.Ordinal);
        Assert.Empty(wrong.Stdout);
    }

    [Fact]
    public async Task Sign_reads_a_pipe_on_stdin()
    {
        var start = Docmap("sign");
        start.Environment["DOCMAP_WEBHOOK_SECRET"] = new string('c', 64);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync("{}");
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"u8, "{}"u8));
        Assert.Equal(expected, stdout.Trim());
    }

    [Theory]
    [InlineData(PosixSignal.SIGTERM)]
    [InlineData(PosixSignal.SIGINT)]
    public async Task The_emulator_process_stops_cleanly_on_a_signal_and_exits_0(PosixSignal signal)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var process = Process.Start(Docmap("emulator", "--json"))!;
        try
        {
            var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var url = JsonDocument.Parse(firstLine!).RootElement.GetProperty("url").GetString()!;
            using (var http = new HttpClient())
            {
                // It is serving: an unauthenticated call gets DocMap's 401.
                var answer = await http.GetAsync(new Uri(new Uri(url), "v1/webhooks"));
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, answer.StatusCode);
            }

            Assert.Equal(0, Kill(process.Id, signal == PosixSignal.SIGTERM ? 15 : 2));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            var stderr = await process.StandardError.ReadToEndAsync();

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Stopping the emulator.", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_second_SIGTERM_ends_the_emulator_process_at_once_while_the_first_stop_still_drains_a_stalled_request()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var process = Process.Start(Docmap("emulator", "--json"))!;
        try
        {
            var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var url = new Uri(JsonDocument.Parse(firstLine!).RootElement.GetProperty("url").GetString()!);

            // A request whose body never comes: the emulator's graceful stop waits 5 seconds for it.
            using var stalled = new System.Net.Sockets.TcpClient();
            await stalled.ConnectAsync(url.Host, url.Port);
            await stalled.GetStream().WriteAsync("POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"u8.ToArray());
            await Task.Delay(300);

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, Kill(process.Id, 15));
            await Task.Delay(300);
            Assert.False(process.HasExited, "the first SIGTERM stops gracefully, draining the stalled request");
            Assert.Equal(0, Kill(process.Id, 15));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4.5), $"the process ended {clock.Elapsed} after the first SIGTERM; the drain alone takes 5 s");
            Assert.Equal(143, process.ExitCode); // 128 + SIGTERM: ended by the signal
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task The_emulator_process_with_port_key_webhook_and_secret_serves_a_running_app_and_a_second_one_on_its_port_exits_1()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var app = await WebhookApp.StartAsync(TriggerEndToEndTests.Secret);
        var port = EmulatorOptionsTests.FreePort();
        const string key = "k_cli_process_0123456789";
        using var process = Process.Start(Docmap(
            "emulator", "--port", $"{port}", "--api-key", key, "--webhook", app.Url, "--secret", TriggerEndToEndTests.Secret, "--json"))!;
        try
        {
            process.StandardInput.Close();
            var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var started = JsonDocument.Parse(firstLine!).RootElement;
            Assert.Equal($"http://127.0.0.1:{port}/", started.GetProperty("url").GetString());
            Assert.Equal(JsonValueKind.Null, started.GetProperty("apiKey").ValueKind);
            Assert.Equal(JsonValueKind.Null, started.GetProperty("webhook").GetProperty("secret").ValueKind);

            // Another docmap (in process) triggers; the app, configured with the secret, verifies the delivery.
            var triggered = await new CliRunner()
                .With("DOCMAP_BASE_URL", $"http://127.0.0.1:{port}/")
                .With("DOCMAP_API_KEY", key)
                .RunAsync("trigger", "extraction.completed", "--extraction-id", "ext_cli_process", "--json");
            Assert.Equal(0, triggered.ExitCode);
            Assert.Equal(200, Assert.Single(triggered.Json().GetProperty("deliveries").EnumerateArray()).GetProperty("httpStatus").GetInt32());
            Assert.Equal("ext_cli_process", Assert.Single(app.Handled).Event.ExtractionId);

            // A second emulator process on the same port: exit 1, a clear message, nothing on stdout.
            var second = await RunAsync(Docmap("emulator", "--port", $"{port}"));
            Assert.Equal(1, second.Exit);
            Assert.Contains($"Port {port} on 127.0.0.1 is already in use", second.Stderr, StringComparison.Ordinal);
            Assert.Empty(second.Stdout);

            Assert.Equal(0, Kill(process.Id, 15));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            var rest = await process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();

            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Stopping the emulator.", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(key, firstLine + rest + stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(TriggerEndToEndTests.Secret, firstLine + rest + stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_bad_emulator_option_as_a_process_exits_2_without_echoing_the_key()
    {
        var run = await RunAsync(Docmap("emulator", "--api-key", "secret key with spaces"));

        Assert.Equal(2, run.Exit);
        Assert.StartsWith("error: --api-key must be 1 to 1024 printable ASCII characters", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret key with spaces", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task A_watch_whose_reader_went_away_ends_at_its_next_line_with_exit_0()
    {
        // `docmap deliveries --watch | head -1`: .NET's console stream ignores EPIPE, so the tool must notice by itself.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();
        await emulator.CreateClient().CreateWebhookAsync(new DocMap.Client.CreateWebhookRequest(receiver.Ok, [DocMap.Client.WebhookEventType.ExtractionCompleted]));
        await emulator.TriggerAsync(DocMap.Client.WebhookEventType.ExtractionCompleted);
        var start = Docmap("deliveries", "--watch", "--interval", "1s");
        start.Environment["DOCMAP_API_KEY"] = emulator.ApiKey;
        start.Environment["DOCMAP_BASE_URL"] = emulator.Url.AbsoluteUri;
        using var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("extraction.completed", first, StringComparison.Ordinal);
            process.StandardOutput.Close(); // the reader is gone, as `head -1` after its line

            // New deliveries keep coming; each is a line the watch tries to print. Bounded: 60 s at most.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                await emulator.TriggerAsync(DocMap.Client.WebhookEventType.ExtractionCompleted);
                await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(1)));
            }

            Assert.True(process.HasExited, "the watch kept running after its reader went away");
            Assert.Equal(0, process.ExitCode);
            Assert.DoesNotContain("error", await stderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

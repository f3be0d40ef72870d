using System.Runtime.InteropServices;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// <c>--body-file</c> / <c>--data</c> naming a FIFO that no writer opens (yet): open(2) blocks in the kernel and observes
/// no cancellation token, so Ctrl+C and SIGTERM must still end the command (exit 130) instead of leaving it stuck.
/// </summary>
public sealed class FifoInputTests
{
    private const int OpenWriteOnlyNonBlocking = 0x1 | 0x800; // O_WRONLY | O_NONBLOCK (Linux)

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [Theory]
    [InlineData("sign", "--body-file")]
    [InlineData("verify", "--body-file")]
    [InlineData("trigger", "--data")]
    public async Task A_fifo_without_a_writer_is_abandoned_on_cancellation_with_exit_130(string command, string option)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("docmap-fifo-");
        var fifo = Path.Combine(folder.FullName, "body");
        Assert.Equal(0, MkFifo(fifo, Convert.ToUInt32("600", 8)));
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?>
        {
            ["DOCMAP_WEBHOOK_SECRET"] = new string('c', 64),
            ["DOCMAP_API_KEY"] = "k_fifo_4711",
            ["DOCMAP_BASE_URL"] = "http://127.0.0.1:9/",
        };
        var host = new CliHost(output, error, () => Stream.Null, name => environment.GetValueOrDefault(name));
        string[] args = command switch
        {
            "sign" => ["sign", option, fifo],
            "verify" => ["verify", "--signature", new string('0', 64), option, fifo],
            _ => ["trigger", "extraction.completed", option, fifo],
        };
        using var interrupt = new CancellationTokenSource();
        try
        {
            // Task.Run: before the fix the open blocked the calling thread itself.
            var running = Task.Run(() => CliApp.RunAsync(args, host, interrupt.Token));
            await Task.Delay(TimeSpan.FromMilliseconds(300)); // not a proof: the outcome must be 130 whether or not the open started
            await interrupt.CancelAsync();
            var exit = await running.WaitAsync(TimeSpan.FromSeconds(30)); // before the fix: times out

            Assert.Equal(ExitCodes.Cancelled, exit);
            Assert.Empty(output.ToString());
            Assert.Contains("Cancelled.", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            // Release an open still waiting for a writer (bounded), so no thread stays blocked after the test.
            for (var i = 0; i < 100; i++)
            {
                var fd = Open(fifo, OpenWriteOnlyNonBlocking);
                if (fd >= 0)
                {
                    Close(fd);
                    break;
                }

                await Task.Delay(50);
            }

            folder.Delete(recursive: true);
        }
    }
}

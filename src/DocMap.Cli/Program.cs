using System.Runtime.InteropServices;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli;

/// <summary>The <c>docmap</c> process: the real console, Ctrl+C and SIGTERM, then <see cref="CliApp.RunAsync"/>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Ctrl+C and SIGTERM cancel the running command (watch and emulator stop cleanly and exit 0; others exit 130).
        // A second Ctrl+C ends the process at once.
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });

        return await CliApp.RunAsync(args, CliHost.FromConsole(), cancellation.Token).ConfigureAwait(false);
    }
}

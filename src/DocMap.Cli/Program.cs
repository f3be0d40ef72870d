using System.Reflection;
using System.Runtime.InteropServices;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli;

/// <summary>The <c>docmap</c> process: the real console, Ctrl+C and SIGTERM, then <see cref="CliApp.RunAsync"/>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args is ["--version"])
        {
            // The start-up path scripts hit most: answered before the command tree, System.CommandLine, Spectre or the
            // HTTP stack are loaded (docs/benchmarks.md). Prints exactly what System.CommandLine's --version prints.
            Console.Out.WriteLine(Version);
            return ExitCodes.Success;
        }

        // Ctrl+C and SIGTERM cancel the running command (watch and emulator stop cleanly and exit 0; others exit 130).
        // A second Ctrl+C or SIGTERM ends the process at once.
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler interrupt = (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };
        Console.CancelKeyPress += interrupt;
        try
        {
            using var terminate = RegisterTermination(cancellation);
            return await CliApp.RunAsync(args, CliHost.FromConsole(), cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            // Before the token source is disposed: a Ctrl+C during the process's exit then gets the default handling.
            Console.CancelKeyPress -= interrupt;
        }
    }

    private static PosixSignalRegistration? RegisterTermination(CancellationTokenSource cancellation)
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                if (cancellation.IsCancellationRequested)
                {
                    // A second SIGTERM (the command is still stopping, for example the emulator draining a stalled
                    // request): the runtime's default handling ends the process at once, as a second Ctrl+C does.
                    return;
                }

                context.Cancel = true;
                cancellation.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The informational version (<c>0.1.0+commit</c>), as System.CommandLine's <c>--version</c> prints it.</summary>
    internal static string Version { get; } =
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Program).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";
}

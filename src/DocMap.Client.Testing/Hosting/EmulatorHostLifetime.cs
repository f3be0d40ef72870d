using Microsoft.Extensions.Hosting;

namespace DocMap.Client.Testing;

/// <summary>
/// The emulator's host lifetime: it starts and stops only when its owner says so. The default (the console lifetime)
/// would hook Ctrl+C, SIGTERM and SIGQUIT of the whole process that embeds the emulator (a user's test run, the
/// <c>docmap</c> tool), stop the emulator on them, and cancel the runtime's own handling of a second signal.
/// </summary>
internal sealed class EmulatorHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

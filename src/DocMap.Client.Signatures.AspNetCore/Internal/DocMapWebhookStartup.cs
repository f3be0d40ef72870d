using Microsoft.Extensions.Hosting;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Builds the webhook settings while the host starts (after options validation, before the server takes requests),
/// so the runtime always holds a valid snapshot to keep when a later reload is rejected.
/// </summary>
internal sealed class DocMapWebhookStartup(DocMapWebhookRuntime runtime) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _ = runtime.Current;
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

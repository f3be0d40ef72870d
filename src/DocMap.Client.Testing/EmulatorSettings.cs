namespace DocMap.Client.Testing;

/// <summary>The validated settings an emulator runs with (a snapshot of <see cref="DocMapEmulatorOptions"/> taken at start).</summary>
internal sealed class EmulatorSettings
{
    public required string ApiKey { get; init; }

    public required int Port { get; init; }

    public required TimeSpan DeliveryTimeout { get; init; }

    public required Func<HttpMessageHandler>? DeliveryHandlerFactory { get; init; }

    public required Func<string, string>? SecretFactory { get; init; }

    public required SignatureScheme Signature { get; init; }

    public required int MaxRequestLogEntries { get; init; }

    public required int MaxDeliveryLogEntries { get; init; }

    public required int MaxLoggedBodyBytes { get; init; }
}

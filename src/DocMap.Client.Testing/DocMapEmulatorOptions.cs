namespace DocMap.Client.Testing;

/// <summary>Settings of a <see cref="DocMapEmulator"/>. The defaults behave like DocMap.</summary>
public sealed class DocMapEmulatorOptions
{
    /// <summary>
    /// How long a delivery waits for the receiver's response before it is recorded as failed with no HTTP status.
    /// DocMap waits 10 seconds (the default); tests of slow receivers can shorten it.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The handler deliveries are sent through, or <see langword="null"/> (the default) for real HTTP.
    /// Set it to an in-memory handler, for example <c>WebApplicationFactory.Server.CreateHandler()</c>, to deliver
    /// into a test host without a socket. The emulator does not dispose it.
    /// </summary>
    public HttpMessageHandler? DeliveryHandler { get; set; }
}

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
    /// Creates the handler deliveries are sent through, or <see langword="null"/> (the default) for real HTTP.
    /// Called once, at the first delivery, so it may refer to a test host built after the emulator started: for
    /// example <c>() =&gt; factory.Server.CreateHandler()</c> delivers into a <c>WebApplicationFactory</c> or
    /// <c>TestServer</c> app without a socket. The emulator does not dispose the handler.
    /// </summary>
    public Func<HttpMessageHandler>? DeliveryHandlerFactory { get; set; }
}

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>Wakes this instance's idle workers at once when new work appears locally (a delivery accepted, a dead letter re-queued).</summary>
internal sealed class InboxWakeSignal
{
    public InboxSignal Signal { get; } = new();

    public void Notify() => Signal.Notify();
}

using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>The management API over the store.</summary>
internal sealed class DocMapWebhookInbox(IDocMapWebhookInboxStore store, InboxWakeSignal wake) : IDocMapWebhookInbox
{
    public Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken = default) => store.GetStatsAsync(cancellationToken);

    public Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IDocMapWebhookInbox.MaxListLimit);
        return store.ListDeadLettersAsync(limit, cancellationToken);
    }

    public Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return store.GetAsync(id, cancellationToken);
    }

    public async Task<bool> RequeueAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var requeued = await store.RequeueAsync(id, cancellationToken).ConfigureAwait(false);
        if (requeued)
        {
            wake.Notify();
        }

        return requeued;
    }
}

using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>The store contract, run against the in-memory store.</summary>
public sealed class InMemoryInboxStoreContractTests : InboxStoreContractTests
{
    protected override Task<IDocMapWebhookInboxStore> CreateStoreAsync(TimeProvider time, TimeSpan retention) =>
        Task.FromResult<IDocMapWebhookInboxStore>(new InMemoryInboxStore(time, retention));
}

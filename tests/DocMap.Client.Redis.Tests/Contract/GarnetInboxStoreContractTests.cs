using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

namespace DocMap.Client.Redis.Tests.Contract;

/// <summary>The store contract on an embedded Garnet server (Lua in transaction mode).</summary>
public sealed class GarnetInboxStoreContractTests(GarnetServerFixture server) : InboxStoreContractTests, IClassFixture<GarnetServerFixture>
{
    protected override Task<IDocMapWebhookInboxStore> CreateStoreAsync(TimeProvider time, TimeSpan retention) =>
        Task.FromResult<IDocMapWebhookInboxStore>(TestStores.OnShared(server, time, retention));
}

#if DOCMAP_TEST_REDIS
using DocMap.Client.Redis.Tests.Infrastructure;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

namespace DocMap.Client.Redis.Tests.Contract;

/// <summary>The store contract on the real redis-server named by DOCMAP_TEST_REDIS (compiled only when it is set).</summary>
public sealed class RealRedisInboxStoreContractTests(RealRedisServerFixture server) : InboxStoreContractTests, IClassFixture<RealRedisServerFixture>
{
    protected override Task<IDocMapWebhookInboxStore> CreateStoreAsync(TimeProvider time, TimeSpan retention) =>
        Task.FromResult<IDocMapWebhookInboxStore>(TestStores.OnShared(server, time, retention));
}
#endif

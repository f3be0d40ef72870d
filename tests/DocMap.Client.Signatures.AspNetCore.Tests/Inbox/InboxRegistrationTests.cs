using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

public sealed class InboxRegistrationTests
{
    [Fact]
    public async Task The_inbox_keeps_its_state_in_memory_by_default_with_the_bound_retention()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Inbox:Retention"] = "00:10:00" })
            .Build();
        services.AddDocMapWebhookInbox(configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(TimeSpan.FromMinutes(10), provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value.Retention);
        var store = Assert.IsType<InMemoryInboxStore>(provider.GetRequiredService<IDocMapWebhookInboxStore>());
        Assert.Same(store, provider.GetRequiredService<IDocMapWebhookInboxStore>());

        // The retention reaches the store: a completed record is forgotten after 10 minutes.
        Assert.True(await store.TryAcceptAsync(new InboxMessage { Id = "d1:x", Endpoint = "/h", EventType = "e", Body = new byte[] { 1 }, AcceptedAt = time.GetUtcNow() }, CancellationToken.None));
        Assert.True(await store.CompleteAsync((await store.LeaseAsync("w", 1, TimeSpan.FromSeconds(1), CancellationToken.None))[0], CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(await store.ExistsAsync("d1:x", CancellationToken.None));
    }

    [Fact]
    public void UseStore_replaces_the_in_memory_store()
    {
        var services = new ServiceCollection();
        var custom = new InMemoryInboxStore(TimeProvider.System, TimeSpan.FromDays(1));
        services.AddDocMapWebhookInbox(o => o.Retention = TimeSpan.FromDays(1)).UseStore(_ => custom);
        using var provider = services.BuildServiceProvider();
        Assert.Same(custom, provider.GetRequiredService<IDocMapWebhookInboxStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IDocMapWebhookInboxStore));
    }

    [Theory]
    [InlineData("00:00:59")]
    [InlineData("366.00:00:00")]
    public void A_retention_out_of_range_is_refused_naming_the_setting(string retention)
    {
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(o => o.Retention = TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value);
        Assert.Contains("DocMap:Webhooks:Inbox:Retention", error.Message, StringComparison.Ordinal);
    }
}

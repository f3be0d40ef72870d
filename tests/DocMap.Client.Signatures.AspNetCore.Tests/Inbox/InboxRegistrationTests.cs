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

public sealed class InboxOptionsTests
{
    [Fact]
    public void Every_setting_binds_from_the_DocMap_Webhooks_Inbox_section_including_reconciliation()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DocMap:Webhooks:Inbox:Retention"] = "2.00:00:00",
            ["DocMap:Webhooks:Inbox:AcceptTimeout"] = "00:00:01.500",
            ["DocMap:Webhooks:Inbox:MaxConcurrency"] = "16",
            ["DocMap:Webhooks:Inbox:LeaseDuration"] = "00:00:30",
            ["DocMap:Webhooks:Inbox:HandlerTimeout"] = "00:02:00",
            ["DocMap:Webhooks:Inbox:MaxAttempts"] = "7",
            ["DocMap:Webhooks:Inbox:RetryBaseDelay"] = "00:00:02",
            ["DocMap:Webhooks:Inbox:MaxRetryDelay"] = "00:05:00",
            ["DocMap:Webhooks:Inbox:PollInterval"] = "00:00:00.250",
            ["DocMap:Webhooks:Inbox:PurgeInterval"] = "00:10:00",
            ["DocMap:Webhooks:Inbox:Reconciliation:WebhookId"] = "wh_42",
            ["DocMap:Webhooks:Inbox:Reconciliation:Interval"] = "00:00:20",
            ["DocMap:Webhooks:Inbox:Store"] = "Redis", // the sample's own keys are ignored
            ["DocMap:Webhooks:Inbox:Redis"] = "localhost:6379,password=not-read",
        }).Build();
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(configuration).AddReconciliation(o => o.Interval += TimeSpan.FromSeconds(10));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value;

        Assert.Equal(TimeSpan.FromDays(2), options.Retention);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.AcceptTimeout);
        Assert.Equal(16, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(30), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromMinutes(2), options.HandlerTimeout);
        Assert.Equal(7, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxRetryDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.PollInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), options.PurgeInterval);
        Assert.Equal("wh_42", options.Reconciliation.WebhookId);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Reconciliation.Interval);
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new DocMapWebhookInboxOptions();
        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.Equal(TimeSpan.FromSeconds(3), options.AcceptTimeout);
        Assert.Equal(4, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(1), options.LeaseDuration);
        Assert.Equal(TimeSpan.FromMinutes(5), options.HandlerTimeout);
        Assert.Equal(5, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromMinutes(10), options.MaxRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), options.PollInterval);
        Assert.Equal(TimeSpan.FromHours(1), options.PurgeInterval);
        Assert.Null(options.Reconciliation.WebhookId);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Reconciliation.Interval);
    }

    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "AcceptTimeout", "00:00:00", "DocMap:Webhooks:Inbox:AcceptTimeout must be more than zero and at most 10 seconds" },
        { "AcceptTimeout", "00:00:11", "DocMap:Webhooks:Inbox:AcceptTimeout must be more than zero and at most 10 seconds" },
        { "MaxConcurrency", "0", "DocMap:Webhooks:Inbox:MaxConcurrency must be between 1 and 1024." },
        { "LeaseDuration", "00:00:00.500", "DocMap:Webhooks:Inbox:LeaseDuration must be between 1 second and 1 hour." },
        { "HandlerTimeout", "00:00:00.500", "DocMap:Webhooks:Inbox:HandlerTimeout must be between 1 second and 1 day, or -00:00:00.001 (Timeout.InfiniteTimeSpan) for none." },
        { "HandlerTimeout", "-00:00:01", "DocMap:Webhooks:Inbox:HandlerTimeout must be between 1 second and 1 day" },
        { "HandlerTimeout", "1.00:00:01", "DocMap:Webhooks:Inbox:HandlerTimeout must be between 1 second and 1 day" },
        { "MaxAttempts", "0", "DocMap:Webhooks:Inbox:MaxAttempts must be between 1 and 100." },
        { "MaxAttempts", "101", "DocMap:Webhooks:Inbox:MaxAttempts must be between 1 and 100." },
        { "RetryBaseDelay", "00:00:00", "DocMap:Webhooks:Inbox:RetryBaseDelay must be between 1 millisecond and 1 day." },
        { "MaxRetryDelay", "00:00:01", "DocMap:Webhooks:Inbox:MaxRetryDelay must be at least DocMap:Webhooks:Inbox:RetryBaseDelay." },
        { "PollInterval", "00:00:00.001", "DocMap:Webhooks:Inbox:PollInterval must be between 10 milliseconds and 5 minutes." },
        { "PurgeInterval", "2.00:00:00", "DocMap:Webhooks:Inbox:PurgeInterval must be between 1 second and 1 day." },
        { "Reconciliation:Interval", "00:00:00.500", "DocMap:Webhooks:Inbox:Reconciliation:Interval must be between 1 second and 1 day." },
        { "Reconciliation:WebhookId", " ", "DocMap:Webhooks:Inbox:Reconciliation:WebhookId must not be empty when it is set" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_is_refused_at_start_naming_it(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"DocMap:Webhooks:Inbox:{key}"] = value }).Build();
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Infinite")]
    [InlineData("infinite")]
    [InlineData("5m")]
    public void A_HandlerTimeout_that_is_no_TimeSpan_fails_naming_its_configuration_path(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Inbox:HandlerTimeout"] = value }).Build();
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value);
        Assert.Contains("DocMap:Webhooks:Inbox:HandlerTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_infinite_HandlerTimeout_binds_from_configuration_and_is_valid()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Inbox:HandlerTimeout"] = "-00:00:00.001" }).Build();
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(Timeout.InfiniteTimeSpan, provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value.HandlerTimeout);
    }

    [Fact]
    public void Settings_bound_from_another_section_are_named_by_its_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Receivers:Inbox:MaxAttempts"] = "0" }).Build();
        var services = new ServiceCollection();
        services.AddDocMapWebhookInbox(configuration.GetSection("Receivers:Inbox"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DocMapWebhookInboxOptions>>().Value);

        Assert.Contains("Receivers:Inbox:MaxAttempts must be between 1 and 100.", error.Message, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary><c>AddDocMapWebhookInbox</c> on <c>IHealthChecksBuilder</c>: the store answers, dead letters degrade, failures and hangs are Unhealthy.</summary>
public sealed class InboxHealthCheckTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static HealthCheckService Checks(IDocMapWebhookInboxStore? store, Action<IHealthChecksBuilder>? add = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (store is not null)
        {
            services.AddSingleton(store);
        }

        var builder = services.AddHealthChecks();
        if (add is null)
        {
            builder.AddDocMapWebhookInbox();
        }
        else
        {
            add(builder);
        }

        return services.BuildServiceProvider().GetRequiredService<HealthCheckService>();
    }

    [Fact]
    public async Task Healthy_when_the_store_answers_and_nothing_is_dead_lettered_with_the_counts_in_the_data()
    {
        var store = InboxAcceptTests.NewMemoryStore();
        await store.TryAcceptAsync(InboxMessages.Delivery("ext_health_queued", TimeProvider.System), default);

        var report = await Checks(store).CheckHealthAsync();

        var entry = Assert.Single(report.Entries);
        Assert.Equal("docmap-webhook-inbox", entry.Key);
        Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        Assert.Equal("The DocMap inbox store answered: 1 queued, 0 running, none dead-lettered.", entry.Value.Description);
        Assert.Equal(new Dictionary<string, object> { ["queued"] = 1L, ["running"] = 0L, ["deadLettered"] = 0L }, entry.Value.Data);
    }

    [Fact]
    public async Task Degraded_when_a_real_inbox_dead_lettered_a_message_with_the_count_in_the_description_and_data()
    {
        var store = InboxAcceptTests.NewMemoryStore();
        await store.TryAcceptAsync(InboxMessages.Delivery("ext_health_dead", TimeProvider.System, endpoint: "/webhooks/removed"), default);
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app =>
            {
                InboxAcceptTests.MapRecording(app);
                app.MapHealthChecks("/healthz");
            },
            store: store,
            configure: b => b.Services.AddHealthChecks().AddDocMapWebhookInbox(tags: ["ready"]));
        await store.WaitForAsync("ext_health_dead", r => r.State == InboxMessageState.DeadLettered, "the message for a removed endpoint is dead-lettered");

        var report = await host.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        using var http = await host.Client.GetAsync("/healthz");

        var entry = report.Entries["docmap-webhook-inbox"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.StartsWith("1 DocMap inbox message(s) dead-lettered (0 queued, 0 running)", entry.Description, StringComparison.Ordinal);
        Assert.Equal(1L, entry.Data["deadLettered"]);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Equal(HttpStatusCode.OK, http.StatusCode); // Degraded answers 200 by default
        Assert.Equal("Degraded", await http.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_failing_store_is_Unhealthy_with_its_exception_type_only_never_its_message()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore())
        {
            Fault = op => op == "GetStats" ? new InvalidOperationException($"connect failed: redis:6380,password=hunter2, secret {SecretText}") : null,
        };

        var report = await Checks(store).CheckHealthAsync();

        var entry = report.Entries["docmap-webhook-inbox"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("The DocMap inbox store failed (System.InvalidOperationException); the webhook endpoints answer 503 while it does (the inbox's log has the details).", entry.Description);
        Assert.Null(entry.Exception); // its message could carry the store's configuration
        Assert.Equal("System.InvalidOperationException", entry.Data["exceptionType"]);
        Assert.DoesNotContain("hunter2", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretText, entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_never_answers_is_Unhealthy_after_the_checks_timeout_and_the_failure_status_is_the_callers()
    {
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore()) { HangStats = true };
        var checks = Checks(store, b => b
            .AddDocMapWebhookInbox(timeout: TimeSpan.FromMilliseconds(200))
            .AddDocMapWebhookInbox(name: "inbox-soft", failureStatus: HealthStatus.Degraded, timeout: TimeSpan.FromMilliseconds(200)));
        var clock = Stopwatch.StartNew();

        var report = await checks.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the check took {clock.Elapsed}");
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["docmap-webhook-inbox"].Status);
        Assert.Equal(
            "The DocMap inbox store did not answer within the health check's timeout of 200 ms; the webhook endpoints answer 503 while it does not.",
            report.Entries["docmap-webhook-inbox"].Description);
        Assert.Equal(HealthStatus.Degraded, report.Entries["inbox-soft"].Status);
    }

    [Fact]
    public async Task A_store_that_fails_after_the_checks_timeout_raises_no_unobserved_task_exception()
    {
        var marker = "late stats failure " + Guid.NewGuid();
        var store = new FaultyStore(InboxAcceptTests.NewMemoryStore()) { HangStats = true };

        var unobserved = await UnobservedExceptions.ReportedAsync(marker, async () =>
        {
            var report = await Checks(store, b => b.AddDocMapWebhookInbox(timeout: TimeSpan.FromMilliseconds(100))).CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            store.FailHungCalls(new InvalidOperationException(marker));
        });

        Assert.Empty(unobserved);
    }

    [Fact]
    public async Task Without_the_inbox_the_check_says_what_to_register()
    {
        var report = await Checks(store: null).CheckHealthAsync();

        var entry = report.Entries["docmap-webhook-inbox"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("call services.AddDocMapWebhookInbox(...)", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_arguments_are_ArgumentExceptions_naming_the_parameter()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => DocMapWebhookInboxHealthChecksBuilderExtensions.AddDocMapWebhookInbox(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => builder.AddDocMapWebhookInbox(name: null!)).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddDocMapWebhookInbox(timeout: TimeSpan.Zero)).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddDocMapWebhookInbox(timeout: TimeSpan.FromMinutes(6))).ParamName);
    }
}

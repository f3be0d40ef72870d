using DocMap.Client.Signatures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DocMap.Client.Testing.Tests;

/// <summary>The client's health checks against the emulator: a real DocMap-shaped API and delivery log.</summary>
public sealed class HealthCheckAgainstEmulatorTests
{
    private static async Task<HealthReport> CheckAsync(DocMapEmulator emulator, string apiKey, Action<IHealthChecksBuilder> add)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocMapClient(o =>
        {
            o.ApiKey = apiKey;
            o.BaseAddress = emulator.Url;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        add(services.AddHealthChecks());
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Both_checks_are_healthy_with_the_right_key_and_successful_deliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        var created = (await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest(receiver.HookUrl("a"), [WebhookEventType.ExtractionCompleted]))).Data;
        receiver.Expect("a", created.Secret);
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);

        var report = await CheckAsync(emulator, emulator.ApiKey, h => h.AddDocMapApi().AddDocMapDeliveries());

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(1, report.Entries["docmap-deliveries"].Data["deliveries"]);
        Assert.Equal(0, report.Entries["docmap-deliveries"].Data["failed"]);
    }

    [Fact]
    public async Task A_wrong_key_is_unhealthy_401_UNAUTHORIZED_and_neither_key_appears()
    {
        await using var emulator = DocMapEmulator.Start();
        const string wrongKey = "dm_live_2222222222222222222222222222222222222222222222222222222222222222";

        var entry = (await CheckAsync(emulator, wrongKey, h => h.AddDocMapApi())).Entries["docmap-api"];

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(401, entry.Data["statusCode"]);
        Assert.Equal(DocMapErrorCodes.Unauthorized, entry.Data["errorCode"]);
        foreach (var text in new[] { entry.Description!, entry.Exception!.ToString() }.Concat(entry.Data.Select(kv => $"{kv.Key}={kv.Value}")))
        {
            Assert.DoesNotContain(wrongKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(emulator.ApiKey, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Failed_deliveries_above_the_threshold_are_degraded()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        var good = (await client.CreateWebhookAsync(new CreateWebhookRequest(receiver.HookUrl("good"), [WebhookEventType.ExtractionCompleted]))).Data;
        receiver.Expect("good", good.Secret);
        var broken = (await client.CreateWebhookAsync(new CreateWebhookRequest(TestReceiver.ClosedPortUrl(), [WebhookEventType.ExtractionCompleted]))).Data;

        // Each trigger delivers to both webhooks: one success, one failure (nothing listens on the broken one's port).
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);

        var report = await CheckAsync(emulator, emulator.ApiKey, h => h
            .AddDocMapDeliveries(o => o.FailureThreshold = 0.4, name: "all")
            .AddDocMapDeliveries(o => o.WebhookId = good.Webhook.Id, name: "good")
            .AddDocMapDeliveries(o => o.WebhookId = broken.Webhook.Id, name: "broken"));

        Assert.Equal(HealthStatus.Degraded, report.Entries["all"].Status);
        Assert.Equal(4, report.Entries["all"].Data["deliveries"]);
        Assert.Equal(2, report.Entries["all"].Data["failed"]);
        Assert.Equal(HealthStatus.Healthy, report.Entries["good"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["broken"].Status);
        Assert.Equal(1.0, report.Entries["broken"].Data["failureShare"]);
        Assert.Equal(HealthStatus.Degraded, report.Status);
    }
}

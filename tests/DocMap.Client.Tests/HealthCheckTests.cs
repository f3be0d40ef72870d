using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace DocMap.Client.Tests;

public sealed class HealthCheckTests : WireMockTestBase
{
    private async Task<HealthReportEntry> RunAsync(Action<IHealthChecksBuilder> add, Uri? baseAddress = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = baseAddress ?? new Uri(Server.Url!);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        services?.Invoke(collection);
        add(collection.AddHealthChecks());
        await using var provider = collection.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var entry = Assert.Single(report.Entries).Value;
        AssertNoSecret(entry);
        return entry;
    }

    private static void AssertNoSecret(HealthReportEntry entry)
    {
        var texts = new List<string> { entry.Description ?? string.Empty };
        texts.AddRange(entry.Data.Select(kv => kv.Key + "=" + Convert.ToString(kv.Value, CultureInfo.InvariantCulture)));
        for (var e = entry.Exception; e is not null; e = e.InnerException)
        {
            texts.Add(e.Message);
            texts.Add(e.ToString());
        }

        foreach (var text in texts)
        {
            Assert.DoesNotContain(ApiKey, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string Deliveries(params (string Status, DateTimeOffset CreatedAt)[] deliveries) =>
        "{\"data\":[" + string.Join(",", deliveries.Select((d, i) =>
            $$"""{"id":"dlv_{{i}}","userId":"usr_42","webhookId":"wh_1","extractionId":"ext_{{i}}","event":"extraction.completed","url":"https://example.com/h","status":"{{d.Status}}","httpStatus":{{(d.Status == "success" ? "200" : "500")}},"error":null,"durationMs":12,"createdAt":"{{d.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}}"}""")) + "]}";

    [Fact]
    public async Task Api_check_is_healthy_when_DocMap_answers_with_one_cheap_call()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, """{"data":[]}""");

        var entry = await RunAsync(h => h.AddDocMapApi());

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        var request = Assert.Single(Requests);
        Assert.Equal("1", request.Query!["limit"].Single());
        Assert.Equal("Bearer " + ApiKey, request.Headers!["Authorization"].Single());
    }

    [Fact]
    public async Task Api_check_is_unhealthy_on_401_with_the_status_and_error_code_and_never_the_key()
    {
        Respond("/v1/webhooks/deliveries", "GET", 401, Error("UNAUTHORIZED", $"Invalid API key {ApiKey}"));

        var entry = await RunAsync(h => h.AddDocMapApi());

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(401, entry.Data["statusCode"]);
        Assert.Equal("UNAUTHORIZED", entry.Data["errorCode"]);
        Assert.Contains("401", entry.Description, StringComparison.Ordinal);
        Assert.Contains("UNAUTHORIZED", entry.Description, StringComparison.Ordinal);
        Assert.Contains("API key", entry.Description, StringComparison.Ordinal);
        Assert.IsType<DocMapApiException>(entry.Exception);
    }

    [Fact]
    public async Task Api_check_reports_the_registered_failure_status_and_tags()
    {
        Respond("/v1/webhooks/deliveries", "GET", 503, Error("INTERNAL_ERROR", "down"));

        var entry = await RunAsync(h => h.AddDocMapApi("docmap", HealthStatus.Degraded, ["ready"]));

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Equal(503, entry.Data["statusCode"]);
        Assert.Equal(4, Requests.Count); // the client's retries ran within the check's timeout
    }

    [Fact]
    public async Task Api_check_is_unhealthy_when_the_connection_is_refused()
    {
        var entry = await RunAsync(h => h.AddDocMapApi(), new Uri($"http://127.0.0.1:{Ports.Closed()}"));

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("DocMap could not be reached", entry.Description, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(entry.Exception);
    }

    [Fact]
    public async Task Api_check_is_bounded_by_its_timeout()
    {
        // A server that accepts the request and never answers: only the check's own timeout can end the check.
        await using var stalled = new RawHttpServer((_, _, _, _, ct) => Task.Delay(Timeout.Infinite, ct));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var entry = await RunAsync(h => h.AddDocMapApi(timeout: TimeSpan.FromMilliseconds(300)), stalled.BaseAddress);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("DocMap did not answer within the health check's timeout of 300 milliseconds.", entry.Description);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}"); // the client's own timeout is 100 s
    }

    [Fact]
    public async Task Api_check_without_AddDocMapClient_says_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthChecks().AddDocMapApi();
        await using var provider = services.BuildServiceProvider();

        var entry = Assert.Single((await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries).Value;

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("services.AddDocMapClient(...)", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_arguments_fail_at_registration_naming_the_setting()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => builder.AddDocMapApi(timeout: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => builder.AddDocMapApi(timeout: Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentNullException>("builder", () => DocMapHealthChecksBuilderExtensions.AddDocMapApi(null!));
        Assert.Contains("FailureThreshold", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.FailureThreshold = 1.5)).Message, StringComparison.Ordinal);
        Assert.Contains("FailureThreshold", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.FailureThreshold = double.NaN)).Message, StringComparison.Ordinal);
        Assert.Contains("SampleSize", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.SampleSize = 101)).Message, StringComparison.Ordinal);
        Assert.Contains("Window", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.Window = TimeSpan.Zero)).Message, StringComparison.Ordinal);
        Assert.Contains("Timeout", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.Timeout = TimeSpan.FromHours(1))).Message, StringComparison.Ordinal);
        Assert.Contains("WebhookId", Assert.Throws<ArgumentException>(() => builder.AddDocMapDeliveries(o => o.WebhookId = " ")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_check_is_degraded_above_the_threshold()
    {
        var now = DateTimeOffset.UtcNow;
        Respond("/v1/webhooks/deliveries", "GET", 200, Deliveries(
            ("failed", now.AddMinutes(-1)), ("success", now.AddMinutes(-2)), ("failed", now.AddMinutes(-3)), ("success", now.AddMinutes(-4))));

        var entry = await RunAsync(h => h.AddDocMapDeliveries(o => o.FailureThreshold = 0.25));

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(4, entry.Data["deliveries"]);
        Assert.Equal(2, entry.Data["failed"]);
        Assert.Equal(0.5, entry.Data["failureShare"]);
        Assert.Equal(0.25, entry.Data["threshold"]);
        Assert.Equal("2 of the last 4 DocMap deliveries (within 1 hour) failed (50%, above the threshold of 25%).", entry.Description!.Replace(" %", "%", StringComparison.Ordinal));
        Assert.Equal("50", Assert.Single(Requests).Query!["limit"].Single());
    }

    [Fact]
    public async Task Delivery_check_is_healthy_at_or_below_the_threshold()
    {
        var now = DateTimeOffset.UtcNow;
        Respond("/v1/webhooks/deliveries", "GET", 200, Deliveries(
            ("failed", now.AddMinutes(-1)), ("success", now.AddMinutes(-2)), ("success", now.AddMinutes(-3)), ("success", now.AddMinutes(-4))));

        var entry = await RunAsync(h => h.AddDocMapDeliveries(o => o.FailureThreshold = 0.25));

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0.25, entry.Data["failureShare"]);
    }

    [Fact]
    public async Task Delivery_check_ignores_deliveries_older_than_the_window_and_filters_by_webhook()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 20, 15, 0, 0, TimeSpan.Zero));
        Respond("/v1/webhooks/deliveries", "GET", 200, Deliveries(
            ("success", time.GetUtcNow().AddMinutes(-5)), ("failed", time.GetUtcNow().AddHours(-2)), ("failed", time.GetUtcNow().AddHours(-3))));

        var entry = await RunAsync(
            h => h.AddDocMapDeliveries(o =>
            {
                o.WebhookId = "wh_1";
                o.SampleSize = 10;
                o.FailureThreshold = 0;
            }),
            services: s => s.AddSingleton<TimeProvider>(time));

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(1, entry.Data["deliveries"]);
        Assert.Equal(0, entry.Data["failed"]);
        Assert.Equal("wh_1", entry.Data["webhookId"]);
        var request = Assert.Single(Requests);
        Assert.Equal("wh_1", request.Query!["webhookId"].Single());
        Assert.Equal("10", request.Query!["limit"].Single());
    }

    [Fact]
    public async Task Delivery_check_with_no_recent_delivery_is_healthy()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, """{"data":[]}""");

        var entry = await RunAsync(h => h.AddDocMapDeliveries());

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["deliveries"]);
        Assert.StartsWith("No DocMap deliveries", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_check_reports_the_failure_status_when_the_log_cannot_be_read()
    {
        Respond("/v1/webhooks/deliveries", "GET", 401, Error("KEY_EXPIRED", $"key {ApiKey} expired"));

        var entry = await RunAsync(h => h.AddDocMapDeliveries());

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("KEY_EXPIRED", entry.Data["errorCode"]);
        Assert.Equal(401, entry.Data["statusCode"]);
    }
}

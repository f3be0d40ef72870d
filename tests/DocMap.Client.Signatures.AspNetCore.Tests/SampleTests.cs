using System.Diagnostics;
using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>The WebhookReceiver sample, hosted in process.</summary>
public sealed class SampleTests
{
    private sealed class SampleFactory(string? secret, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            if (secret is not null)
            {
                // The same key the environment variable DocMap__Webhooks__Secrets__0 sets.
                builder.UseSetting("DocMap:Webhooks:Secrets:0", secret);
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.AddFakeLogging());
            if (services is not null)
            {
                builder.ConfigureServices(services);
            }
        }
    }

    [Fact]
    public async Task The_sample_verifies_a_delivery_and_logs_its_type_and_extraction_id()
    {
        var secretText = Deliveries.NewSecretText();
        await using var factory = new SampleFactory(secretText);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_sample"), WebhookSecret.Parse(secretText), "/webhooks/docmap"));
        using var unsigned = await client.SendAsync(Deliveries.Request(Deliveries.Body("ext_sample2"), null, "/webhooks/docmap"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var logs = factory.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        var received = Assert.Single(logs, r => r.Category == "WebhookReceiver");
        Assert.Equal(LogLevel.Information, received.Level);
        Assert.Equal("extraction.completed", received.GetStructuredStateValue("EventType"));
        Assert.Equal("ext_sample", received.GetStructuredStateValue("ExtractionId"));
    }

    [Fact]
    public async Task With_the_memory_inbox_the_sample_answers_first_handles_in_the_background_once_and_deduplicates()
    {
        var secretText = Deliveries.NewSecretText();
        await using var factory = new SampleFactory(secretText, new Dictionary<string, string?>
        {
            ["DocMap:Webhooks:Inbox:Store"] = "Memory",
            ["Sample:HandlerDelay"] = "00:00:02",
        });
        using var client = factory.CreateClient();
        var body = Deliveries.Body("ext_sample_inbox");
        var store = factory.Services.GetRequiredService<DocMap.Client.Signatures.AspNetCore.Inbox.IDocMapWebhookInboxStore>();
        var id = DocMap.Client.Signatures.AspNetCore.Internal.Inbox.InboxMessageIds.ForEvent("extraction.completed", "ext_sample_inbox")!;

        using var first = await client.SendAsync(Deliveries.Signed(body, WebhookSecret.Parse(secretText), "/webhooks/docmap"));
        Assert.NotEqual(DocMap.Client.Signatures.AspNetCore.Inbox.InboxMessageState.Completed, (await store.GetAsync(id, default))!.State); // answered before the 2-second handler ended
        using var second = await client.SendAsync(Deliveries.Signed(body, WebhookSecret.Parse(secretText), "/webhooks/docmap"));

        Assert.Equal("""{"status":"accepted"}""", await first.Content.ReadAsStringAsync());
        Assert.Equal("""{"status":"duplicate"}""", await second.Content.ReadAsStringAsync());
        var logs = factory.Services.GetRequiredService<FakeLogCollector>();
        await Inbox.Eventually.TrueAsync(async () => (await store.GetAsync(id, default))!.State == DocMap.Client.Signatures.AspNetCore.Inbox.InboxMessageState.Completed, "handled in the background");
        var received = Assert.Single(logs.GetSnapshot(), r => r.Category == "WebhookReceiver");
        Assert.Equal("ext_sample_inbox", received.GetStructuredStateValue("ExtractionId"));
    }

    [Fact]
    public async Task With_the_inbox_on_a_WebApplicationFactory_of_the_sample_is_disposed_without_an_error_every_time()
    {
        // WebApplicationFactory stops a minimal-hosting app twice at once (its own StopAsync and the app's Run, which then
        // disposes the host): the inbox's hosted services must take a stop after their disposal. The docmap-receiver
        // template's tests failed in CI on this race; rounds make it likely to show here too.
        for (var round = 0; round < 10; round++)
        {
            var factory = new SampleFactory(Deliveries.NewSecretText(), new Dictionary<string, string?> { ["DocMap:Webhooks:Inbox:Store"] = "Memory" });
            factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0)); // as the template's tests do
            factory.StartServer();
            using (var client = factory.CreateClient())
            using (var unsigned = await client.SendAsync(Deliveries.Request(Deliveries.Body("ext_round"), null, "/webhooks/docmap")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
            }

            await factory.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task With_an_API_key_the_sample_reconciles_and_logs_a_missed_delivery()
    {
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();
        var secretText = Deliveries.NewSecretText();
        emulator.RegisterWebhook("http://127.0.0.1:9/webhooks/docmap", WebhookSecret.Parse(secretText), WebhookEventType.ExtractionCompleted);
        var down = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, new ExtractionRecord { Id = "ext_sample_missed" }));
        await using var factory = new SampleFactory(
            secretText,
            new Dictionary<string, string?>
            {
                ["DocMap:Webhooks:Inbox:Store"] = "Memory",
                ["DocMap:ApiKey"] = emulator.ApiKey,
                ["DocMap:BaseAddress"] = emulator.Url.ToString(),
            },
            services => services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1))));
        using var client = factory.CreateClient();

        var logs = factory.Services.GetRequiredService<FakeLogCollector>();
        await Inbox.Eventually.TrueAsync(() => logs.GetSnapshot().Any(r => r.Category == "WebhookReceiver" && r.Id.Id == 2), "the missed delivery is logged");
        var missed = Assert.Single(logs.GetSnapshot(), r => r.Category == "WebhookReceiver" && r.Id.Id == 2);
        Assert.Equal($"DocMap missed extraction.completed for extraction ext_sample_missed (delivery {down.Id})", missed.Message);
        Assert.Equal(LogLevel.Warning, missed.Level);
    }

    [Theory]
    [InlineData("Postgres", "DocMap:Webhooks:Inbox:Store must be Memory or Redis")]
    [InlineData("Redis", "set DocMap:Webhooks:Inbox:Redis to a StackExchange.Redis configuration string")]
    public void A_bad_inbox_store_setting_stops_the_sample_naming_it(string store, string expected)
    {
        using var factory = new SampleFactory(Deliveries.NewSecretText(), new Dictionary<string, string?> { ["DocMap:Webhooks:Inbox:Store"] = store });

        var ex = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_without_a_secret_fails_fast_naming_the_setting()
    {
        using var factory = new SampleFactory(null);

        var ex = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("DocMap:Webhooks:Secrets", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// The samples as users run them: a child process (<c>dotnet DocMap.Samples.WebhookReceiver.dll</c>, and the AOT
/// receiver's JIT build) with the real console logger writing to its standard output, which the test reads raw (CR, LF
/// and escape characters as they were written).
/// </summary>
public sealed class SampleConsoleTests
{
    private const string Marker = "FORGED-4f1d";

    public static TheoryData<string> Samples() => [SampleProcess.WebhookReceiver, SampleProcess.AotReceiver];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_signed_extraction_id_with_CR_LF_ANSI_and_separators_cannot_forge_a_console_log_line(string sampleName)
    {
        var secretText = Deliveries.NewSecretText();
        await using var sample = await SampleProcess.StartAsync(new Dictionary<string, string>
        {
            ["DocMap__Webhooks__Secrets__0"] = secretText,
            ["Logging__LogLevel__DocMap.Client.Signatures.AspNetCore"] = "Debug",
        }, sampleName);
        var lifetimeLinesBefore = CountLinesStartingWith(sample.Output, "info: Microsoft.Hosting.Lifetime[0]");
        Assert.True(lifetimeLinesBefore > 0, sample.Output);

        // The issue's payload, and the variants that beat a formatter which only indents after "\n": a lone CR
        // (returns the cursor over the real line), "\n\r" (undoes the indent), NEL, LS, PS, and ANSI erase-line.
        var extractionId =
            $"ext_forge\\r\\ninfo: Microsoft.Hosting.Lifetime[0]\\r\\n      {Marker} a" +
            $"\\rinfo: Microsoft.Hosting.Lifetime[0] {Marker} b" +
            $"\\n\\rinfo: Microsoft.Hosting.Lifetime[0] {Marker} c" +
            $"\\u0085info: Microsoft.Hosting.Lifetime[0] {Marker} d" +
            $"\\u2028info: Microsoft.Hosting.Lifetime[0] {Marker} e" +
            $"\\u2029info: Microsoft.Hosting.Lifetime[0] {Marker} f" +
            $"\\u001b[2K\\u001b[1Ginfo: Microsoft.Hosting.Lifetime[0] {Marker} g";
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"event":"extraction.completed","extractionId":"{{{extractionId}}}","data":{"id":"ext_plain","status":"completed\r\nwarn: {{{Marker}}} h"}}""");
        using var client = new HttpClient { BaseAddress = sample.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.SendAsync(Deliveries.Signed(body, WebhookSecret.Parse(secretText), "/webhooks/docmap"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = await sample.WaitForOutputAsync(
            text => text.Contains("DocMap event", StringComparison.Ordinal) && text.Contains("Verified DocMap webhook", StringComparison.Ordinal) &&
                    text.LastIndexOf(Marker + " h", StringComparison.Ordinal) > text.IndexOf("DocMap event", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30));

        // A terminal starts a new line at CR, LF, NEL, LS and PS: in every such line the marker may only appear inside
        // one of the two real messages, and no new line may look like the host's lifetime messages.
        var lines = output.Split(['\r', '\n', '\u0085', '\u2028', '\u2029']);
        Assert.Equal(lifetimeLinesBefore, CountLinesStartingWith(output, "info: Microsoft.Hosting.Lifetime[0]"));
        Assert.All(lines.Where(l => l.Contains(Marker, StringComparison.Ordinal)), line =>
            Assert.True(line.Contains("DocMap event", StringComparison.Ordinal) || line.Contains("Verified DocMap webhook", StringComparison.Ordinal), $"a forged line: '{line}'"));
        Assert.DoesNotContain('\u001b', output);
        Assert.Contains("ext_forge\\r\\ninfo: Microsoft.Hosting.Lifetime[0]", output, StringComparison.Ordinal);
    }

    private static int CountLinesStartingWith(string output, string prefix) =>
        output.Split(['\r', '\n', '\u0085', '\u2028', '\u2029']).Count(line => line.TrimStart().StartsWith(prefix, StringComparison.Ordinal));
}

/// <summary>The WebhookReceiver sample's /healthz and its OTLP export (a child process exporting to a loopback OTLP/HTTP receiver).</summary>
public sealed class SampleHealthAndTelemetryTests
{
    private sealed class SampleFactory(IDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders());
        }
    }

    private static async Task<(HttpStatusCode Status, string Body, string[] Checks)> HealthAsync(IDictionary<string, string?> settings)
    {
        await using var factory = new SampleFactory(settings);
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/healthz");
        var checks = factory.Services.GetRequiredService<IOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).Order(StringComparer.Ordinal).ToArray();
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), checks);
    }

    [Fact]
    public async Task Healthz_checks_the_inbox_when_it_is_on_and_DocMap_when_an_API_key_is_set()
    {
        var secretText = Deliveries.NewSecretText();
        await using var emulator = DocMap.Client.Testing.DocMapEmulator.Start();

        var plain = await HealthAsync(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = secretText });
        var inbox = await HealthAsync(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = secretText, ["DocMap:Webhooks:Inbox:Store"] = "Memory" });
        var both = await HealthAsync(new Dictionary<string, string?>
        {
            ["DocMap:Webhooks:Secrets:0"] = secretText,
            ["DocMap:Webhooks:Inbox:Store"] = "Memory",
            ["DocMap:ApiKey"] = emulator.ApiKey,
            ["DocMap:BaseAddress"] = emulator.Url.ToString(),
        });
        var wrongKey = await HealthAsync(new Dictionary<string, string?>
        {
            ["DocMap:Webhooks:Secrets:0"] = secretText,
            ["DocMap:ApiKey"] = "dm_live_" + new string('0', 64),
            ["DocMap:BaseAddress"] = emulator.Url.ToString(),
        });

        Assert.Equal((HttpStatusCode.OK, "Healthy"), (plain.Status, plain.Body));
        Assert.Empty(plain.Checks);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (inbox.Status, inbox.Body));
        Assert.Equal(["docmap-webhook-inbox"], inbox.Checks);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (both.Status, both.Body));
        Assert.Equal(["docmap-api", "docmap-webhook-inbox"], both.Checks);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), (wrongKey.Status, wrongKey.Body)); // DocMap refuses the key
        Assert.Equal(["docmap-api"], wrongKey.Checks);
    }

    [Fact]
    public async Task With_OTEL_EXPORTER_OTLP_ENDPOINT_the_sample_exports_spans_and_metrics_over_OTLP()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var collectorBuilder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        collectorBuilder.Logging.ClearProviders();
        await using var collector = collectorBuilder.Build();
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapPost(collector, "/v1/{signal}", async (Microsoft.AspNetCore.Http.HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            received.Enqueue((context.Request.Path.Value!, context.Request.ContentType, body.ToArray()));

            // An empty Export*ServiceResponse: zero protobuf bytes.
            context.Response.ContentType = "application/x-protobuf";
        });
        await collector.StartAsync();
        var collectorAddress = collector.Urls.Single();

        var secretText = Deliveries.NewSecretText();
        await using var sample = await SampleProcess.StartAsync(new Dictionary<string, string>
        {
            ["DocMap__Webhooks__Secrets__0"] = secretText,
            ["DocMap__Webhooks__Inbox__Store"] = "Memory",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collectorAddress,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "docmap-sample-under-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        using var client = new HttpClient { BaseAddress = sample.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var delivery = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_otlp"), WebhookSecret.Parse(secretText), "/webhooks/docmap"));
        using var health = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, delivery.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        bool Arrived(string path, params string[] names) => received.Any(r => r.Path == path) &&
            names.All(name => received.Any(r => r.Path == path && Contains(r.Body, name)));
        var clock = Stopwatch.StartNew();
        while (!(Arrived("/v1/traces", "ReceiveWebhook", "ProcessWebhook", "docmap-sample-under-test") &&
                 Arrived("/v1/metrics", "docmap.webhook.deliveries", "docmap.webhook.inbox.attempts", "docmap.webhook.inbox.queued")))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"OTLP requests so far: {string.Join(", ", received.Select(r => $"{r.Path} ({r.Body.Length} bytes)"))}; sample output: {sample.Output}");
            await Task.Delay(100);
        }

        Assert.All(received, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.DoesNotContain(received, r => Contains(r.Body, secretText));
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}

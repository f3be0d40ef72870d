using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>Regression tests for review findings: payload edge cases, reloads, early rejection, fail-closed conventions.</summary>
public sealed class ReviewFindingsTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static void Reload(ReloadableConfigurationSource source, Dictionary<string, string?> settings)
    {
        try
        {
            source.Replace(settings);
        }
        catch (AggregateException)
        {
            // OptionsMonitor re-reads the options inside the reload callback; an invalid reload surfaces to the
            // provider that triggered it (a file watcher swallows it). The receiver keeps its previous secrets.
        }
    }

    private static IEnumerable<string> EverythingLogged(WebhookHost host) =>
        host.Logs.GetSnapshot().SelectMany(r =>
            new[] { r.Message, r.Exception?.ToString() ?? "" }
                .Concat(r.StructuredState?.Select(kv => kv.Value ?? "") ?? []));

    [Fact]
    public async Task A_signed_body_with_an_escaped_lone_surrogate_in_createdAt_is_accepted_on_every_endpoint_kind()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            MapDocMapWebhooksTests.MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
            app.MapPost("/own", ([FromBody] DeliveryDto dto) => dto.ExtractionId).RequireDocMapSignature();
        });
        var body = Encoding.UTF8.GetBytes(
            "{\"event\":\"extraction.completed\",\"extractionId\":\"ext_s\",\"createdAt\":\"2025-01-20T14:30:04\\ud800\",\"data\":{\"createdAt\":\"\\udfff\"}}");
        foreach (var path in new[] { Deliveries.Path, "/class", "/own" })
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret, path));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var recorded = Assert.Single(host.Recorder.Events, e => e.ExtractionId == "ext_s" && e.CreatedAt is null);
        Assert.Null(recorded.Extraction!.CreatedAt);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task An_invalid_reload_before_the_first_delivery_keeps_the_start_up_secrets()
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;

        Reload(source, WebhookHost.Settings("oops-not-a-secret"));
        for (var i = 0; i < 2; i++)
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body($"ext_{i}"), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4008);
        Assert.Equal(Secret.Fingerprint, rejected.GetStructuredStateValue("KeyFingerprints"));
        Assert.DoesNotContain(EverythingLogged(host), text => text.Contains("oops-not-a-secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DocMap:Webhooks:KeyDerivation")]
    [InlineData("DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("DocMap:Webhooks:MaxSignaturesPerHeader")]
    public async Task A_reload_with_a_secret_under_the_wrong_key_never_logs_the_value(string key)
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;
        var misplaced = Deliveries.NewSecretText();
        var settings = WebhookHost.Settings(SecretText);
        settings[key] = misplaced;

        Reload(source, settings);
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_wrong_key"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4008);
        Assert.Contains("DocMap:Webhooks", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(EverythingLogged(host), text => text.Contains(misplaced, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("DocMap:Webhooks:Secrets")]
    [InlineData("DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("DocMap:Webhooks:KeyDerivation")]
    public async Task Start_up_with_a_secret_under_the_wrong_key_fails_without_the_value(string key)
    {
        var misplaced = Deliveries.NewSecretText();
        var settings = key == "DocMap:Webhooks:Secrets" ? new Dictionary<string, string?>() : WebhookHost.Settings(SecretText);
        settings[key] = misplaced;
        var builder = WebhookHost.CreateBuilder(settings, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        await using var app = builder.Build();
        app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(timeout.Token));

        // The wrong type (binding) or no secret at all (validation): either way a typed start-up failure.
        Assert.True(ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException, ex.GetType().FullName);

        Assert.Contains("DocMap:Webhooks", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(misplaced, ex.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_request_without_a_signature_header_is_answered_401_before_its_body_arrives()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDocMapWebhooksTests.MapDelegate);
        foreach (var signatureLine in new[] { "", $"{WebhookSignatureOptions.DefaultHeaderName}: not-hex\r\n" })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
            var stream = tcp.GetStream();

            // Declares 1,000,000 bytes (within the 1 MiB default limit) and sends none of them.
            var head = $"POST {Deliveries.Path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{signatureLine}Content-Length: 1000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            while (!answer.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                Assert.NotEqual(0, n);
                answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            Assert.StartsWith("HTTP/1.1 401", answer.ToString(), StringComparison.Ordinal);
        }

        var rejections = host.Logs.GetSnapshot().Where(r => r.Id.Id == 4002).Select(r => r.GetStructuredStateValue("Reason") ?? "").ToArray();
        Assert.Equal([nameof(WebhookSignatureFailureReason.MissingSignature), nameof(WebhookSignatureFailureReason.MalformedSignature)], rejections);
        Assert.Equal(0, host.Recorder.Count);
    }

    [Fact]
    public async Task A_reload_that_changes_nothing_the_endpoint_uses_does_not_rebuild_or_log()
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;
        using (var first = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_a"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, first);
        }

        var unrelated = WebhookHost.Settings(SecretText);
        unrelated["Logging:LogLevel:Default"] = "Information";
        Reload(source, unrelated);
        using (var second = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_b"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, second);
        }

        Reload(source, WebhookHost.Settings(SecretText));
        using (var third = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_c"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, third);
        }

        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Id.Id == 4007);

        // A real change (a different limit) is still picked up and logged once.
        var changed = WebhookHost.Settings(SecretText);
        changed["DocMap:Webhooks:MaxBodyBytes"] = "100";
        Reload(source, changed);
        using (var tooLarge = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_d"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        }

        Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4007);
    }

    [Fact]
    public async Task The_server_body_limit_follows_the_endpoint_limit_instead_of_being_lifted()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "16384";
        await using var host = await WebhookHost.StartAsync(
            settings,
            app => app.MapPost("/limit", (HttpContext context) =>
                context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none")
                .RequireDocMapSignature(),
            configure: b => b.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 4096));
        var body = Deliveries.Body("ext_limit", targetBytes: 1024);

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/limit"));

        Assert.Equal("16384", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
    }

    [Fact]
    public void RequireDocMapSignature_fails_closed_on_an_endpoint_without_a_request_delegate()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocMapWebhooks(o => o.Secrets.Add(SecretText));
        using var provider = services.BuildServiceProvider();
        var conventions = new ConventionCollector().RequireDocMapSignature();
        var endpoint = new RouteEndpointBuilder(null, RoutePatternFactory.Parse("/no-delegate"), 0)
        {
            ApplicationServices = provider,
            DisplayName = "no delegate",
        };

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var convention in conventions.Conventions)
            {
                convention(endpoint);
            }
        });

        Assert.Contains("RequireDocMapSignature", ex.Message, StringComparison.Ordinal);
        Assert.Null(endpoint.RequestDelegate);
    }

    [Fact]
    public void A_verified_body_buffer_goes_back_to_the_pool_cleared()
    {
        // ArrayPool<byte>.Shared keeps the last returned array of a size class in a thread-local slot, so on one
        // thread the next Rent of that size class gets the array just returned.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(3000);
        var body = Encoding.UTF8.GetBytes("{\"event\":\"extraction.completed\",\"data\":{\"extractedData\":{\"iban\":\"DE-SECRET\"}}}");
        body.CopyTo(buffer, 0);
        var feature = new Internal.DocMapWebhookFeature(buffer, body.Length, WebhookEvent.Parse(body), default);

        feature.Dispose();
        var next = System.Buffers.ArrayPool<byte>.Shared.Rent(3000);

        try
        {
            Assert.Same(buffer, next);
            Assert.All(next, b => Assert.Equal(0, b));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(next);
        }
    }

    private sealed class ConventionCollector : IEndpointConventionBuilder
    {
        public List<Action<EndpointBuilder>> Conventions { get; } = [];

        public void Add(Action<EndpointBuilder> convention) => Conventions.Add(convention);
    }
}

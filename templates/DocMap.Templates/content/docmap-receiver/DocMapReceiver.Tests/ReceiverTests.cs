using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DocMapReceiver.Tests;

/// <summary>
/// The app on a real Kestrel port, driven by the DocMap emulator exactly as DocMap drives it: the emulator signs each
/// delivery with the webhook's secret and POSTs it to the app's URL.
/// </summary>
public sealed class ReceiverTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
    private readonly RecordingProcessor _processor = new();
    private DocMapEmulator _emulator = null!;
    private ReceiverFactory _factory = null!;
    private string _webhookUrl = null!;

    public Task InitializeAsync()
    {
        _emulator = DocMapEmulator.Start();
        _factory = new ReceiverFactory(_secret, _processor);
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _webhookUrl = $"{address}/webhooks/docmap";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_delivery_is_answered_200_and_reaches_the_handler_once()
    {
        _emulator.RegisterWebhook(_webhookUrl, WebhookSecret.Parse(_secret), WebhookEventType.ExtractionCompleted);

        var delivery = Assert.Single(await _emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal(200, delivery.HttpStatus);
        var handled = await _processor.WaitForAsync(1, Patience);
        Assert.Equal(("completed", delivery.ExtractionId), Assert.Single(handled));
    }

    [Fact]
    public async Task The_same_event_delivered_twice_is_handled_once()
    {
        // Two webhooks pointing at this app: DocMap sends the same signed event to both.
        _emulator.RegisterWebhook(_webhookUrl, WebhookSecret.Parse(_secret), WebhookEventType.ExtractionFailed);
        _emulator.RegisterWebhook(_webhookUrl, WebhookSecret.Parse(_secret), WebhookEventType.ExtractionFailed);

        var deliveries = await _emulator.TriggerAsync(WebhookEventType.ExtractionFailed);

        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(200, d.HttpStatus));
        await _processor.WaitForAsync(1, Patience);
        // A second run would have been scheduled at once: give it time to show up before asserting there is none.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(("failed", deliveries[0].ExtractionId), Assert.Single(_processor.Handled));
    }

    [Fact]
    public async Task A_delivery_signed_with_another_secret_is_refused_with_401_and_not_handled()
    {
        var otherSecret = WebhookSecret.Parse(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        _emulator.RegisterWebhook(_webhookUrl, otherSecret, WebhookEventType.ExtractionCompleted);

        var delivery = Assert.Single(await _emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal((int)HttpStatusCode.Unauthorized, delivery.HttpStatus);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(_processor.Handled);
    }

    [Fact]
    public async Task The_health_endpoint_answers()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());

        // The answer includes the inbox's check: its store answered and nothing is dead-lettered.
        var report = await _factory.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var inbox = Assert.Single(report.Entries, e => e.Key == "docmap-webhook-inbox").Value;
        Assert.Equal(HealthStatus.Healthy, inbox.Status);
        Assert.Equal(0L, inbox.Data["deadLettered"]);
    }

    private sealed class ReceiverFactory(string secret, RecordingProcessor processor) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            this.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            builder.UseSetting("DocMap:Webhooks:Secrets:0", secret);
            builder.ConfigureTestServices(services => services.AddSingleton<IExtractionProcessor>(processor));
        }
    }

    /// <summary>Records what the handler was given, in place of the app's processor.</summary>
    private sealed class RecordingProcessor : IExtractionProcessor
    {
        private readonly ConcurrentQueue<(string Kind, string? ExtractionId)> _handled = new();

        public IReadOnlyList<(string Kind, string? ExtractionId)> Handled => [.. _handled];

        public Task CompletedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken)
        {
            _handled.Enqueue(("completed", extractionId));
            return Task.CompletedTask;
        }

        public Task FailedAsync(string? extractionId, ExtractionRecord? extraction, CancellationToken cancellationToken)
        {
            _handled.Enqueue(("failed", extractionId));
            return Task.CompletedTask;
        }

        public Task MissedAsync(string extractionId, WebhookEventType eventType, CancellationToken cancellationToken)
        {
            _handled.Enqueue(("missed", extractionId));
            return Task.CompletedTask;
        }

        public async Task<IReadOnlyList<(string Kind, string? ExtractionId)>> WaitForAsync(int count, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (_handled.Count < count)
            {
                await Task.Delay(20, deadline.Token);
            }

            return Handled;
        }
    }
}

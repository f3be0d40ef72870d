using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Testing.Tests;

/// <summary>
/// The emulator signs with the scheme it is told to, so a receiver's non-default configuration (and a running app
/// with a secret the user chose) is tested end to end: real Kestrel receivers built with MapDocMapWebhooks.
/// </summary>
public sealed class SignatureSchemeTests
{
    private const string Secret = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";

    [Fact]
    public async Task A_receiver_with_a_custom_header_and_HexDecoded_keys_accepts_deliveries_signed_the_same_way()
    {
        await using var receiver = await Receiver.StartAsync(o =>
        {
            o.HeaderName = "X-Acme-Signature";
            o.KeyDerivation = WebhookKeyDerivation.HexDecoded;
        });
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            SignatureHeaderName = "X-Acme-Signature",
            SignatureKeyDerivation = WebhookKeyDerivation.HexDecoded,
        });
        emulator.RegisterWebhook(receiver.Url, WebhookSecret.Parse(Secret));

        var completed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var failed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));

        Assert.Equal(200, completed.HttpStatus);
        Assert.Equal(200, failed.HttpStatus);
        Assert.Equal([completed.ExtractionId, failed.ExtractionId], receiver.Handled.Select(e => e.ExtractionId!));
    }

    [Theory]
    [InlineData("X-DocMap-Signature", WebhookKeyDerivation.HexDecoded)] // right key derivation, wrong header
    [InlineData("X-Acme-Signature", WebhookKeyDerivation.Utf8Text)]    // right header, wrong key derivation
    public async Task The_same_receiver_answers_401_when_the_scheme_differs(string header, WebhookKeyDerivation derivation)
    {
        await using var receiver = await Receiver.StartAsync(o =>
        {
            o.HeaderName = "X-Acme-Signature";
            o.KeyDerivation = WebhookKeyDerivation.HexDecoded;
        });
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { SignatureHeaderName = header, SignatureKeyDerivation = derivation });
        emulator.RegisterWebhook(receiver.Url, WebhookSecret.Parse(Secret));

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal(401, result.HttpStatus);
        Assert.False(result.Succeeded);
        Assert.Empty(receiver.Handled);
    }

    [Fact]
    public async Task A_running_app_configured_with_a_secret_the_user_chose_gets_verified_deliveries_through_RegisterWebhook()
    {
        // As a user would: the app under test already runs with its configured secret; the test only knows its URL.
        await using var app = await Receiver.StartAsync(_ => { });
        await using var emulator = DocMapEmulator.Start();
        var id = emulator.RegisterWebhook(app.Url, WebhookSecret.Parse(Secret), WebhookEventType.ExtractionCompleted);

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Equal(id, result.WebhookId);
        Assert.Equal(200, result.HttpStatus);
        Assert.Equal(result.ExtractionId, Assert.Single(app.Handled).ExtractionId);
        var logged = Assert.Single(await emulator.CreateClient().ListDeliveriesAsync(id).ContinueWith(t => t.Result.Data, TaskScheduler.Default));
        Assert.Equal(DeliveryStatus.Success, logged.Status);
    }

    [Fact]
    public async Task The_sha256_prefix_option_puts_sha256_before_the_hex_and_the_SDK_verifier_accepts_it()
    {
        using var handler = new CapturingHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { SignatureSha256Prefix = true, DeliveryHandlerFactory = () => handler });
        emulator.RegisterWebhook("http://localhost/hook", WebhookSecret.Parse(Secret));

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        var (body, signature) = Assert.Single(handler.Captured);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
        Assert.Equal(expected, signature);
        Assert.Equal(result.Payload, Encoding.UTF8.GetString(body));
        Assert.True(new WebhookSignatureVerifier(WebhookSecret.Parse(Secret)).Verify(body, signature).IsValid);
    }

    [Fact]
    public async Task HexDecoded_signs_with_the_32_bytes_the_secret_decodes_to()
    {
        using var handler = new CapturingHandler();
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            SignatureKeyDerivation = WebhookKeyDerivation.HexDecoded,
            SignatureHeaderName = "X-Other",
            DeliveryHandlerFactory = () => handler,
        });
        emulator.RegisterWebhook("http://localhost/hook", WebhookSecret.Parse(Secret));

        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);

        var (body, signature) = Assert.Single(handler.Captured);
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromHexString(Secret), body)), signature);
        Assert.Null(handler.DefaultHeader);
    }

    /// <summary>A real Kestrel app receiving with MapDocMapWebhooks, configured with <see cref="Secret"/>.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app, string url, ConcurrentQueue<WebhookEvent> handled)
        {
            _app = app;
            Url = url;
            Handled = handled;
        }

        public string Url { get; }

        public ConcurrentQueue<WebhookEvent> Handled { get; }

        public static async Task<Receiver> StartAsync(Action<DocMapWebhookOptions> configure)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddDocMapWebhooks(o =>
            {
                o.Secrets.Add(Secret);
                configure(o);
            });
            var app = builder.Build();
            var handled = new ConcurrentQueue<WebhookEvent>();
            app.MapDocMapWebhooks("/webhooks/docmap", (WebhookEvent e) =>
            {
                handled.Enqueue(e);
                return Results.Ok();
            });
            await app.StartAsync();
            return new Receiver(app, new Uri(new Uri(app.Urls.Single()), "/webhooks/docmap").ToString(), handled);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public ConcurrentQueue<(byte[] Body, string Signature)> Captured { get; } = new();

        public string? DefaultHeader { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var header = request.Headers.Contains("X-Other") ? "X-Other" : WebhookSignatureOptions.DefaultHeaderName;
            DefaultHeader = request.Headers.TryGetValues(WebhookSignatureOptions.DefaultHeaderName, out var d) && header != WebhookSignatureOptions.DefaultHeaderName ? d.Single() : null;
            Captured.Enqueue((body, request.Headers.GetValues(header).Single()));
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}

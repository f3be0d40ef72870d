using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Testing.Tests;

/// <summary>A real Kestrel receiver on 127.0.0.1:0 that verifies deliveries with WebhookSignatureVerifier.</summary>
internal sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, WebhookSignatureVerifier> _verifiers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _releaseSlow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestReceiver(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public ConcurrentQueue<ReceivedDelivery> Received { get; } = new();

    /// <summary>Completed when the slow endpoint has received a request.</summary>
    public TaskCompletionSource SlowRequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string HookUrl(string name) => new Uri(BaseUrl, "hook/" + name).ToString();

    public string FailUrl => new Uri(BaseUrl, "fail").ToString();

    public string SlowUrl => new Uri(BaseUrl, "slow").ToString();

    /// <summary>Makes /hook/{name} verify against this secret.</summary>
    public void Expect(string name, string secret) =>
        _verifiers[name] = new WebhookSignatureVerifier(WebhookSecret.Parse(secret));

    public static async Task<TestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestReceiver? receiver = null;

        app.MapPost("/hook/{name}", async (string name, HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var body = buffer.ToArray();
            var signature = context.Request.Headers[WebhookSignatureOptions.DefaultHeaderName].ToString();
            var verified = receiver!._verifiers.TryGetValue(name, out var verifier) && verifier.Verify(body, signature).IsValid;
            receiver.Received.Enqueue(new ReceivedDelivery(name, body, signature, context.Request.ContentType, verified));
            return verified ? Results.Ok() : Results.Unauthorized();
        });
        app.MapPost("/fail", () => Results.StatusCode(500));
        app.MapPost("/slow", async (HttpContext context) =>
        {
            receiver!.SlowRequestArrived.TrySetResult();
            // Held until the sender gives up (RequestAborted) or the receiver is disposed; never a fixed sleep.
            await receiver._releaseSlow.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.Ok();
        });

        await app.StartAsync();
        var address = app.Urls.Single();
        receiver = new TestReceiver(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return receiver;
    }

    /// <summary>A URL on 127.0.0.1 where nothing listens (a port just released).</summary>
    public static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    public async ValueTask DisposeAsync()
    {
        _releaseSlow.TrySetResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedDelivery(string Name, byte[] Body, string Signature, string? ContentType, bool Verified);

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Benchmarks;

/// <summary>Shared set-up: one app with the verified endpoint and the same endpoint without verification.</summary>
internal static class AspNetCoreWebhookApp
{
    public const string VerifiedPath = "/webhooks/verified";
    public const string UnverifiedPath = "/webhooks/unverified";

    public static readonly string SecretText = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static WebhookSecret Secret { get; } = WebhookSecret.Parse(SecretText);

    public static byte[] Body(int size)
    {
        var head = """{"event":"extraction.completed","extractionId":"ext_0123456789","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"ext_0123456789","userId":"user_42","templateId":"tpl_7","templateName":"Invoice","fileName":"invoice.pdf","status":"completed","processingTimeMs":1234,"extractedData":{"notes":" """;
        const string tail = "\"}}}";
        return Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, size - head.Length - tail.Length)) + tail);
    }

    public static WebApplication Build(bool kestrel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = SecretText });
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        var app = builder.Build();
        var counter = new Counter();

        // The verified endpoint: read within the limit, verify, parse, call the handler.
        app.MapDocMapWebhooks(VerifiedPath, (WebhookEvent webhook) => counter.Add(webhook));

        // The same endpoint without verification: the same pooled read of the body, the same parse and handler.
        app.MapPost(UnverifiedPath, async (HttpContext context) =>
        {
            var (buffer, length) = await ReadAllAsync(context.Request.BodyReader, context.RequestAborted);
            try
            {
                counter.Add(WebhookEvent.Parse(buffer.AsSpan(0, length)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        return app;
    }

    private static async ValueTask<(byte[] Buffer, int Length)> ReadAllAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var data = result.Buffer;
            if (length + data.Length > buffer.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent((int)(length + data.Length) * 2);
                buffer.AsSpan(0, length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = grown;
            }

            data.CopyTo(buffer.AsSpan(length));
            length += (int)data.Length;
            reader.AdvanceTo(data.End);
            if (result.IsCompleted)
            {
                return (buffer, length);
            }
        }
    }

    private sealed class Counter
    {
        private long _count;

        public void Add(WebhookEvent webhook)
        {
            if (webhook.ExtractionId is not null)
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}

/// <summary>
/// The endpoint's own cost, in process: each operation runs the endpoint's RequestDelegate on a fresh HttpContext
/// (no sockets, no HTTP parsing), so the difference between the two is the price of verification.
/// </summary>
[MemoryDiagnoser]
public class AspNetCoreEndpointBenchmarks
{
    private WebApplication _app = null!;
    private RequestDelegate _verified = null!;
    private RequestDelegate _unverified = null!;
    private byte[] _body = null!;
    private string _signature = null!;
    private WebhookSignatureVerifier _verifier = null!;

    /// <summary>The delivery body size in bytes.</summary>
    [Params(1024, 65536)]
    public int BodyBytes { get; set; }

    /// <summary>Builds the app and finds both endpoints' request delegates.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _app = AspNetCoreWebhookApp.Build(kestrel: false);
        _verified = InProcessDelivery.Endpoint(_app, AspNetCoreWebhookApp.VerifiedPath);
        _unverified = InProcessDelivery.Endpoint(_app, AspNetCoreWebhookApp.UnverifiedPath);
        _body = AspNetCoreWebhookApp.Body(BodyBytes);
        _signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, _body);
        _verifier = new WebhookSignatureVerifier(AspNetCoreWebhookApp.Secret);
        if (Run(_verified).GetAwaiter().GetResult() != 200 || Run(_unverified).GetAwaiter().GetResult() != 200)
        {
            throw new InvalidOperationException("The benchmark endpoints do not answer 200.");
        }
    }

    /// <summary>Disposes the app.</summary>
    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The endpoint without verification.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> Unverified() => Run(_unverified);

    /// <summary>The MapDocMapWebhooks endpoint: read, verify, parse, handle.</summary>
    [Benchmark]
    public Task<int> Verified() => Run(_verified);

    /// <summary>
    /// The Signatures package's Verify alone on the same body, for attribution: the endpoint's own overhead is
    /// Verified - Unverified - VerifyOnly.
    /// </summary>
    [Benchmark]
    public bool VerifyOnly() => _verifier.Verify(_body, _signature).IsValid;

    private Task<int> Run(RequestDelegate endpoint) => InProcessDelivery.SendAsync(_app.Services, endpoint, _body, _signature);
}

/// <summary>
/// Requests per second over loopback: a real Kestrel host and 16 keep-alive connections (one HttpClient each, one
/// connection per client), 1 KiB deliveries; one operation is one request (each invocation sends 512 at once).
/// Requests/second = 1 / mean. The ratio column is verified throughput's cost against the unverified endpoint.
/// </summary>
[MemoryDiagnoser]
public class AspNetCoreLoopbackThroughputBenchmarks
{
    private const int Connections = 16;
    private const int RequestsPerInvocation = 512;

    private WebApplication _app = null!;
    private HttpClient[] _clients = null!;
    private byte[] _body = null!;
    private string _signature = null!;

    /// <summary>Starts Kestrel on 127.0.0.1 port 0 and opens the clients.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _app = AspNetCoreWebhookApp.Build(kestrel: true);
        _app.StartAsync().GetAwaiter().GetResult();
        var address = new Uri(_app.Urls.Single());
        _clients = Enumerable.Range(0, Connections)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = address })
            .ToArray();
        _body = AspNetCoreWebhookApp.Body(1024);
        _signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, _body);
        Unverified().GetAwaiter().GetResult();
        Verified().GetAwaiter().GetResult();
    }

    /// <summary>Stops the host.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The endpoint without verification.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RequestsPerInvocation)]
    public Task Unverified() => SendAllAsync(AspNetCoreWebhookApp.UnverifiedPath);

    /// <summary>The MapDocMapWebhooks endpoint.</summary>
    [Benchmark(OperationsPerInvoke = RequestsPerInvocation)]
    public Task Verified() => SendAllAsync(AspNetCoreWebhookApp.VerifiedPath);

    private async Task SendAllAsync(string path)
    {
        var tasks = new Task[RequestsPerInvocation];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = SendAsync(_clients[i % Connections], path);
        }

        await Task.WhenAll(tasks);
    }

    private async Task SendAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(_body) };
        request.Headers.TryAddWithoutValidation("X-DocMap-Signature", _signature);
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}.");
        }
    }
}

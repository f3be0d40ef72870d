using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Benchmarks;

/// <summary>Who listens to telemetry during a benchmark.</summary>
public enum Listener
{
    /// <summary>Nobody: no ActivityListener, no MeterListener.</summary>
    None,

    /// <summary>
    /// The OpenTelemetry SDK listening to every source and every meter (<c>AddSource("*")</c>, <c>AddMeter("*")</c>),
    /// AlwaysOn sampling, a processor that drops the finished spans and a periodic metric reader with a no-op exporter.
    /// </summary>
    OpenTelemetry,

    /// <summary>As <see cref="OpenTelemetry"/>, tracing only (for attribution).</summary>
    OpenTelemetryTraces,

    /// <summary>As <see cref="OpenTelemetry"/>, metrics only (for attribution).</summary>
    OpenTelemetryMetrics,
}

/// <summary>
/// What telemetry costs (issue 12), each with nobody listening and with the OpenTelemetry SDK listening to everything:
/// <list type="bullet">
/// <item><see cref="HostedDelivery"/>: one 1 KiB delivery through the whole ASP.NET Core pipeline in process (the
/// host's <c>IHttpApplication</c> driven by an in-memory server: hosting with its request span and metrics, routing,
/// the <c>MapDocMapWebhooks</c> endpoint, the handler, the response's completion), no sockets or HTTP parsing;</item>
/// <item><see cref="VerifiedDelivery"/>: the endpoint's RequestDelegate alone on a fresh HttpContext (as
/// <see cref="AspNetCoreEndpointBenchmarks"/> does it), the smallest denominator;</item>
/// <item>two client calls over an in-memory handler (<c>CreateWebhook</c>, a POST, and <c>ListWebhooks</c>, a GET
/// through the retry policy).</item>
/// </list>
/// The class uses only what the code before the telemetry also has, so the same file runs against both (see
/// docs/benchmarks.md).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ObservabilityBenchmarks
{
    private const string ApiKey = "dm_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly CreateWebhookRequest Request = new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]);

    private WebApplication _app = null!;
    private WebApplication _hosted = null!;
    private InMemoryServer _server = null!;
    private RequestDelegate _verified = null!;
    private byte[] _body = null!;
    private string _signature = null!;
    private IDocMapApi _client = null!;
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    /// <summary>Who listens.</summary>
    [Params(Listener.None, Listener.OpenTelemetry, Listener.OpenTelemetryTraces, Listener.OpenTelemetryMetrics)]
    public Listener Listening { get; set; }

    /// <summary>Starts the listeners (if any), builds the app and the client, and checks both answer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Listening is Listener.OpenTelemetry or Listener.OpenTelemetryTraces)
        {
            _tracing = Sdk.CreateTracerProviderBuilder()
                .AddSource("*")
                .SetSampler(new AlwaysOnSampler())
                .AddProcessor(new DroppingProcessor())
                .Build();
        }

        if (Listening is Listener.OpenTelemetry or Listener.OpenTelemetryMetrics)
        {
            _metrics = Sdk.CreateMeterProviderBuilder()
                .AddMeter("*")
                .AddReader(new PeriodicExportingMetricReader(new NoExporter(), exportIntervalMilliseconds: 1000))
                .Build();
        }

        _app = AspNetCoreWebhookApp.Build(kestrel: false);
        _verified = InProcessDelivery.Endpoint(_app, AspNetCoreWebhookApp.VerifiedPath);
        _body = AspNetCoreWebhookApp.Body(1024);
        _signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, _body);
        _client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = new Uri("https://api.docmap.io") }, new SmallCannedHandler());
        (_hosted, _server) = BuildHosted();
        _hosted.StartAsync().GetAwaiter().GetResult();
        if (VerifiedDelivery().GetAwaiter().GetResult() != 200 || HostedDelivery().GetAwaiter().GetResult() != 200
            || CreateWebhook().GetAwaiter().GetResult() != "wh_01HQ3K" || ListWebhooks().GetAwaiter().GetResult() != 1)
        {
            throw new InvalidOperationException("The benchmark endpoint or client does not answer as expected.");
        }
    }

    /// <summary>Disposes the app and the listeners.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _hosted.StopAsync().GetAwaiter().GetResult();
        _hosted.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    /// <summary>One 1 KiB delivery to the MapDocMapWebhooks endpoint: read, verify, parse, handle.</summary>
    [Benchmark]
    public Task<int> VerifiedDelivery() => InProcessDelivery.SendAsync(_app.Services, _verified, _body, _signature);

    /// <summary>One 1 KiB delivery through the host's whole pipeline (hosting, routing, the endpoint, completion).</summary>
    [Benchmark]
    public async Task<int> HostedDelivery()
    {
        var request = new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = "http",
            Method = "POST",
            Path = AspNetCoreWebhookApp.VerifiedPath,
            Body = new MemoryStream(_body, writable: false),
        };
        request.Headers.Host = "localhost";
        request.Headers.ContentLength = _body.Length;
        request.Headers.ContentType = "application/json";
        request.Headers["X-DocMap-Signature"] = _signature;
        var response = new CompletingResponseFeature();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        await _server.ProcessAsync(features, response);
        return response.StatusCode;
    }

    /// <summary><c>CreateWebhookAsync</c> (POST, never retried).</summary>
    [Benchmark]
    public async Task<string> CreateWebhook() => (await _client.CreateWebhookAsync(Request).ConfigureAwait(false)).Data.Webhook.Id;

    /// <summary><c>ListWebhooksAsync</c> (GET, through the retry and attempt-timeout policy).</summary>
    [Benchmark]
    public async Task<int> ListWebhooks() => (await _client.ListWebhooksAsync().ConfigureAwait(false)).Data.Count;

    /// <summary>The app of <see cref="AspNetCoreWebhookApp"/>'s verified endpoint, on <see cref="InMemoryServer"/> instead of Kestrel.</summary>
    private static (WebApplication App, InMemoryServer Server) BuildHosted()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DocMap:Webhooks:Secrets:0"] = AspNetCoreWebhookApp.SecretText });
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        var server = new InMemoryServer();
        builder.Services.AddSingleton<IServer>(server);
        var app = builder.Build();
        var delivered = 0L;
        app.MapDocMapWebhooks(AspNetCoreWebhookApp.VerifiedPath, (WebhookEvent webhook) =>
        {
            if (webhook.ExtractionId is not null)
            {
                Interlocked.Increment(ref delivered);
            }
        });
        return (app, server);
    }

    /// <summary>
    /// An <see cref="IServer"/> without a network: it runs one request through the host's <c>IHttpApplication</c> as
    /// Kestrel does (create the context, process, fire the response's completion callbacks, dispose the context).
    /// </summary>
    private sealed class InMemoryServer : IServer
    {
        private Func<IFeatureCollection, CompletingResponseFeature, Task>? _process;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task ProcessAsync(IFeatureCollection features, CompletingResponseFeature response) =>
            (_process ?? throw new InvalidOperationException("The host has not started."))(features, response);

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            _process = async (features, response) =>
            {
                var context = application.CreateContext(features);
                Exception? error = null;
                try
                {
                    await application.ProcessRequestAsync(context);
                }
                catch (Exception ex)
                {
                    error = ex;
                    response.StatusCode = 500;
                }

                await response.CompleteAsync();
                application.DisposeContext(context, error);
            };
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    private sealed class DroppingProcessor : BaseProcessor<Activity>;

    private sealed class NoExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }

    /// <summary>Canned answers: the create result for POST, a one-webhook list for GET.</summary>
    private sealed class SmallCannedHandler : HttpMessageHandler
    {
        private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
        private readonly byte[] _create = Encoding.UTF8.GetBytes(CannedBodies.Create);
        private readonly byte[] _list = Encoding.UTF8.GetBytes("""{"data":[{"id":"wh_01HQ3K","userId":"usr_42","url":"https://example.com/webhooks/docmap","events":["extraction.completed"],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"}]}""");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }

            var content = new ByteArrayContent(request.Method == HttpMethod.Post ? _create : _list);
            content.Headers.ContentType = Json;
            return new HttpResponseMessage(request.Method == HttpMethod.Post ? HttpStatusCode.Created : HttpStatusCode.OK) { Content = content, RequestMessage = request };
        }
    }
}

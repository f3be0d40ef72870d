using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
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
}

/// <summary>
/// What telemetry costs (issue 12): the verified endpoint at 1 KiB, in process (as <see cref="AspNetCoreEndpointBenchmarks"/>
/// does it: the endpoint's RequestDelegate on a fresh HttpContext), and two client calls over an in-memory handler
/// (<c>CreateWebhook</c>, a POST, and <c>ListWebhooks</c>, a GET through the retry policy), each with nobody
/// listening and with the OpenTelemetry SDK listening to everything. The class uses only what the commit before the
/// telemetry also has, so the same file runs against both (see docs/benchmarks.md).
/// </summary>
[MemoryDiagnoser]
public class ObservabilityBenchmarks
{
    private const string ApiKey = "dm_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly CreateWebhookRequest Request = new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]);

    private WebApplication _app = null!;
    private RequestDelegate _verified = null!;
    private byte[] _body = null!;
    private string _signature = null!;
    private IDocMapApi _client = null!;
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    /// <summary>Who listens.</summary>
    [Params(Listener.None, Listener.OpenTelemetry)]
    public Listener Listening { get; set; }

    /// <summary>Starts the listeners (if any), builds the app and the client, and checks both answer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Listening == Listener.OpenTelemetry)
        {
            _tracing = Sdk.CreateTracerProviderBuilder()
                .AddSource("*")
                .SetSampler(new AlwaysOnSampler())
                .AddProcessor(new DroppingProcessor())
                .Build();
            _metrics = Sdk.CreateMeterProviderBuilder()
                .AddMeter("*")
                .AddReader(new PeriodicExportingMetricReader(new NoExporter(), exportIntervalMilliseconds: 1000))
                .Build();
        }

        _app = AspNetCoreWebhookApp.Build(kestrel: false);
        var endpoints = ((IEndpointRouteBuilder)_app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        _verified = endpoints.Single(e => e.RoutePattern.RawText == AspNetCoreWebhookApp.VerifiedPath).RequestDelegate!;
        _body = AspNetCoreWebhookApp.Body(1024);
        _signature = WebhookSigner.Sign(AspNetCoreWebhookApp.Secret, _body);
        _client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = new Uri("https://api.docmap.io") }, new SmallCannedHandler());
        if (VerifiedDelivery().GetAwaiter().GetResult() != 200 || CreateWebhook().GetAwaiter().GetResult() != "wh_01HQ3K" || ListWebhooks().GetAwaiter().GetResult() != 1)
        {
            throw new InvalidOperationException("The benchmark endpoint or client does not answer as expected.");
        }
    }

    /// <summary>Disposes the app and the listeners.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    /// <summary>One 1 KiB delivery to the MapDocMapWebhooks endpoint: read, verify, parse, handle.</summary>
    [Benchmark]
    public async Task<int> VerifiedDelivery()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "POST";
        context.Request.ContentLength = _body.Length;
        context.Request.Body = new MemoryStream(_body, writable: false);
        context.Request.Headers["X-DocMap-Signature"] = _signature;
        context.Response.Body = Stream.Null;
        var completion = new CompletingResponseFeature();
        context.Features.Set<IHttpResponseFeature>(completion);
        await _verified(context);
        await completion.CompleteAsync();
        return context.Response.StatusCode;
    }

    /// <summary><c>CreateWebhookAsync</c> (POST, never retried).</summary>
    [Benchmark]
    public async Task<string> CreateWebhook() => (await _client.CreateWebhookAsync(Request).ConfigureAwait(false)).Data.Webhook.Id;

    /// <summary><c>ListWebhooksAsync</c> (GET, through the retry and attempt-timeout policy).</summary>
    [Benchmark]
    public async Task<int> ListWebhooks() => (await _client.ListWebhooksAsync().ConfigureAwait(false)).Data.Count;

    private sealed class DroppingProcessor : BaseProcessor<Activity>;

    private sealed class NoExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }

    private sealed class CompletingResponseFeature : HttpResponseFeature
    {
        private List<(Func<object, Task> Callback, object State)>? _onCompleted;

        public override void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

        public async Task CompleteAsync()
        {
            if (_onCompleted is null)
            {
                return;
            }

            for (var i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Callback(_onCompleted[i].State);
            }
        }
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

using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using DocMap.Client.Internal;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Internal;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// The telemetry code alone, without the HTTP work around it, so its cost is measured directly (nanoseconds, which
/// machine noise blurs far less than the microseconds of a whole delivery or call):
/// <list type="bullet">
/// <item>with nobody listening (<c>none</c>), the checks a delivery and a client call now make (<c>IsEnabled</c>, the
/// null per-delivery state, the call tracker read of the handlers): all that "no listener" adds to the code before;</item>
/// <item>with the OpenTelemetry SDK listening to everything (AlwaysOn sampling, finished spans dropped, metrics read
/// by a no-op exporter), one delivery's whole telemetry (span start under a request span, the verified attributes,
/// the handler phase, the span's end and the three instruments) and one client call's (span, tracker, duration
/// histogram); <c>traces</c> and <c>metrics</c> split that cost between the two signals.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class TelemetryPathBenchmarks
{
    private static readonly ActivitySource ParentSource = new("DocMap.Benchmarks.Request");
    private static readonly WebhookEvent Event = WebhookEvent.Parse(AspNetCoreWebhookApp.Body(1024));
    private static readonly Task<bool> Completed = Task.FromResult(true);
    private DocMapWebhookInstruments _instruments = null!;
    private DocMapClientTelemetry _client = null!;
    private DocMapServer _server = null!;
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;
    private Activity? _request;

    /// <summary>Who listens: nobody, or the OpenTelemetry SDK to every source and meter, to every source, or to every meter.</summary>
    [Params("none", "otel", "otel-traces", "otel-metrics")]
    public string Listening { get; set; } = "none";

    /// <summary>Starts the listeners and, when spans are listened to, a request span (ASP.NET Core's, in an app) as the parent.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Listening is "otel" or "otel-traces")
        {
            _tracing = Sdk.CreateTracerProviderBuilder().AddSource("*").SetSampler(new AlwaysOnSampler()).AddProcessor(new DroppingProcessor()).Build();
        }

        if (Listening is "otel" or "otel-metrics")
        {
            _metrics = Sdk.CreateMeterProviderBuilder().AddMeter("*")
                .AddReader(new PeriodicExportingMetricReader(new NoExporter(), exportIntervalMilliseconds: 1000)).Build();
        }

        _instruments = new DocMapWebhookInstruments(null);
        _client = new DocMapClientTelemetry(null);
        _server = new DocMapServer(new Uri("https://api.docmap.io"));
        _request = ParentSource.StartActivity("POST /webhooks/docmap", ActivityKind.Server);
    }

    /// <summary>Stops the parent span and the listeners.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _request?.Stop();
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    /// <summary>
    /// What a delivery does for telemetry while nobody listens, exactly (the <c>IsEnabled</c> check, then a null state
    /// that every stage's <c>?.</c> skips), without the async method around it that <see cref="DeliveryTelemetry"/> has.
    /// </summary>
    [Benchmark]
    public bool DeliveryChecks()
    {
        var delivery = DocMapWebhookDeliveryTelemetry.Start(_instruments);
        if (delivery is not null)
        {
            // Listening: end what was started, so spans do not pile up (this case is measured by DeliveryTelemetry).
            delivery.End(DocMapWebhookOutcomes.Verified);
            Activity.Current = _request;
            return false;
        }

        delivery?.Verified(Event, 1024);
        delivery?.StartHandler();
        delivery?.EndHandler(DocMapWebhookOutcomes.Verified, null);
        return true;
    }

    /// <summary>
    /// Everything a verified delivery's telemetry does, start to end (with nobody listening: one check), in the shape of
    /// the endpoint: the span starts inside an async method (the body read and verification, <see cref="ReadAsync"/>),
    /// whose end gives the request span back as the current activity, so the handler stage makes the delivery's span
    /// current again; this method's end restores the request span, as the endpoint's does.
    /// </summary>
    [Benchmark]
    public async Task<bool> DeliveryTelemetry()
    {
        var delivery = await ReadAsync();
        delivery?.StartHandler();
        delivery?.EndHandler(DocMapWebhookOutcomes.Verified, null);
        return delivery is null;
    }

    /// <summary>
    /// A client call's telemetry around a call that is already complete. With nobody listening, what a call does
    /// instead: the <c>IsEnabled</c> check and the two tracker reads of its handlers (timeout handler, retry policy).
    /// </summary>
    [Benchmark]
    public Task<bool> ClientCallTelemetry()
    {
        if (!_client.IsEnabled)
        {
            return DocMapCallTracker.Current is null && DocMapCallTracker.Current is null ? Completed : Task.FromResult(false);
        }

        return _client.TraceAsync(DocMapOperation.ListWebhooks, _server, null, _server, static _ =>
        {
            DocMapCallTracker.Current!.StatusCode = 200;
            return Completed;
        });
    }

    private async ValueTask<DocMapWebhookDeliveryTelemetry?> ReadAsync()
    {
        var delivery = DocMapWebhookDeliveryTelemetry.Start(_instruments);
        delivery?.Verified(Event, 1024);
        await Task.CompletedTask;
        return delivery;
    }

    private sealed class DroppingProcessor : BaseProcessor<Activity>;

    private sealed class NoExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}

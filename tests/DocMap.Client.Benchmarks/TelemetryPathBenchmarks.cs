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
/// machine noise blurs far less than the microseconds of a whole delivery):
/// <list type="bullet">
/// <item>with nobody listening, the checks a delivery and a client call now make (<c>IsEnabled</c>, the null
/// per-delivery state, the tracker read of the handlers): what "no listener" adds to the code before;</item>
/// <item>with the OpenTelemetry SDK listening to everything, one delivery's whole telemetry (span start, the verified
/// attributes, the handler phase, the span's end and the three instruments): what listening adds to a delivery.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class TelemetryPathBenchmarks
{
    private static readonly WebhookEvent Event = WebhookEvent.Parse(AspNetCoreWebhookApp.Body(1024));
    private DocMapWebhookInstruments _instruments = null!;
    private DocMapClientTelemetry _client = null!;
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    /// <summary>Who listens.</summary>
    [Params(Listener.None, Listener.OpenTelemetry)]
    public Listener Listening { get; set; }

    /// <summary>What the OpenTelemetry SDK listens to (for attribution): traces and metrics, or only one of them.</summary>
    [Params("traces+metrics", "traces", "metrics")]
    public string Signals { get; set; } = "traces+metrics";

    [GlobalSetup]
    public void Setup()
    {
        if (Listening == Listener.OpenTelemetry && Signals.Contains("traces", StringComparison.Ordinal))
        {
            _tracing = Sdk.CreateTracerProviderBuilder().AddSource("*").SetSampler(new AlwaysOnSampler()).AddProcessor(new DroppingProcessor()).Build();
        }

        if (Listening == Listener.OpenTelemetry && Signals.Contains("metrics", StringComparison.Ordinal))
        {
            _metrics = Sdk.CreateMeterProviderBuilder().AddMeter("*")
                .AddReader(new PeriodicExportingMetricReader(new NoExporter(), exportIntervalMilliseconds: 1000)).Build();
        }

        _instruments = new DocMapWebhookInstruments(null);
        _client = new DocMapClientTelemetry(null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracing?.Dispose();
        _metrics?.Dispose();
    }

    /// <summary>Everything a verified delivery's telemetry does, start to end (with nobody listening: one check).</summary>
    [Benchmark]
    public bool DeliveryTelemetry()
    {
        var delivery = DocMapWebhookDeliveryTelemetry.Start(_instruments);
        delivery?.Verified(Event, 1024);
        delivery?.StartHandler();
        delivery?.EndHandler(DocMapWebhookOutcomes.Verified, null);
        Activity.Current = null;
        return delivery is null;
    }

    /// <summary>What a client call checks before it decides to run untraced, and what its handlers read.</summary>
    [Benchmark]
    public bool ClientCallChecks() => _client.IsEnabled || DocMapCallTracker.Current is not null;

    private sealed class DroppingProcessor : BaseProcessor<Activity>;

    private sealed class NoExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Tests;

/// <summary>
/// Telemetry tests listen process-wide (ActivitySource and Meter listeners are global), and the static meter of
/// DocMapClient.Create is shared: they run alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

/// <summary>
/// An OpenTelemetry SDK (tracing and metrics, in-memory exporters) listening to the client's source and meter and to
/// .NET's HTTP spans, plus a root activity that each test's spans descend from (so a test sees its own spans only).
/// </summary>
internal sealed class OpenTelemetryCapture : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _exportedMetrics = [];
    private readonly Activity _root;

    public OpenTelemetryCapture()
    {
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(DocMapTelemetry.ActivitySourceName, "System.Net.Http")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(_spans)
            .Build()!;
        _metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(DocMapTelemetry.MeterName)
            .AddInMemoryExporter(_exportedMetrics)
            .Build()!;
        _root = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C).Start();
    }

    public ActivityTraceId TraceId => _root.TraceId;

    public ActivitySpanId RootSpanId => _root.SpanId;

    /// <summary>The finished spans of this test's trace.</summary>
    public List<Activity> Spans()
    {
        _tracing.ForceFlush();
        lock (_spans)
        {
            return _spans.Where(a => a.TraceId == _root.TraceId).ToList();
        }
    }

    /// <summary>The DocMap span of this test's trace (exactly one expected).</summary>
    public Activity DocMapSpan() => Assert.Single(Spans(), a => a.Source.Name == DocMapTelemetry.ActivitySourceName);

    /// <summary>Every metric point exported so far: name, unit, tags.</summary>
    public List<(string Name, string Unit, Dictionary<string, object?> Tags, double Value)> MetricPoints()
    {
        _metrics.ForceFlush();
        var points = new List<(string, string, Dictionary<string, object?>, double)>();
        lock (_exportedMetrics)
        {
            foreach (var metric in _exportedMetrics)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new Dictionary<string, object?>();
                    foreach (var tag in point.Tags)
                    {
                        tags[tag.Key] = tag.Value;
                    }

                    var value = metric.MetricType switch
                    {
                        MetricType.Histogram => point.GetHistogramSum(),
                        MetricType.LongSum => point.GetSumLong(),
                        MetricType.DoubleSum => point.GetSumDouble(),
                        _ => double.NaN,
                    };
                    points.Add((metric.Name, metric.Unit, tags, value));
                }
            }
        }

        return points;
    }

    /// <summary>Every string in every span (name, tags, events, links, status, baggage) and every metric tag, for leak scans.</summary>
    public IEnumerable<string> EverythingRecorded()
    {
        List<Activity> spans;
        lock (_spans)
        {
            spans = [.. _spans];
        }

        foreach (var span in spans)
        {
            yield return span.DisplayName;
            yield return span.OperationName;
            yield return span.StatusDescription ?? string.Empty;
            foreach (var tag in span.TagObjects)
            {
                yield return tag.Key + "=" + tag.Value;
            }

            foreach (var item in span.Baggage)
            {
                yield return item.Key + "=" + item.Value;
            }

            foreach (var activityEvent in span.Events)
            {
                yield return activityEvent.Name;
                foreach (var tag in activityEvent.Tags)
                {
                    yield return tag.Key + "=" + tag.Value;
                }
            }
        }

        foreach (var (name, unit, tags, _) in MetricPoints())
        {
            yield return name + " " + unit;
            foreach (var tag in tags)
            {
                yield return tag.Key + "=" + tag.Value;
            }
        }
    }

    public void Dispose()
    {
        _root.Stop();
        _tracing.Dispose();
        _metrics.Dispose();
    }
}

internal static class Ports
{
    /// <summary>A loopback port that nothing listens on (bound, then released): connections to it are refused.</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

internal static class Tags
{
    public static Dictionary<string, object?> Of(Activity activity) => activity.TagObjects.ToDictionary(t => t.Key, t => t.Value);

    public static Dictionary<string, object?> Of(IReadOnlyDictionary<string, object?> tags) => tags.ToDictionary(t => t.Key, t => t.Value);
}

namespace DocMap.Client;

/// <summary>
/// The names under which the DocMap client publishes traces and metrics through <c>System.Diagnostics</c>
/// (<see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>), for
/// OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c> or any other listener. Nothing is recorded, and nothing is
/// paid, while nobody listens.
/// </summary>
/// <remarks>
/// Each call (<c>CreateWebhook</c>, <c>ListDeliveries</c>, <c>ListWebhooks</c>, <c>DeleteWebhook</c>) is one span of
/// kind Client, the parent of the HTTP spans .NET emits for each attempt; the metrics are
/// <c>docmap.client.operation.duration</c> (seconds) and <c>docmap.client.retries</c>. No span, tag or metric ever
/// carries the API key, a webhook secret or a body.
/// </remarks>
public static class DocMapTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of the client's spans: <c>DocMap.Client</c>.</summary>
    public const string ActivitySourceName = "DocMap.Client";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the client's metrics: <c>DocMap.Client</c>.</summary>
    public const string MeterName = "DocMap.Client";
}

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// The names under which the webhook receiver publishes traces and metrics through <c>System.Diagnostics</c>
/// (<see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>), for
/// OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c> or any other listener. Nothing is recorded, and nothing is
/// paid, while nobody listens.
/// </summary>
/// <remarks>
/// <para>
/// Each delivery to a <c>MapDocMapWebhooks</c> or <c>RequireDocMapSignature</c> endpoint is one span,
/// <c>ReceiveWebhook</c>, a child of ASP.NET Core's request span, covering the body read, the signature check, the
/// parse and the handler, with <c>docmap.webhook.event</c>, <c>docmap.webhook.outcome</c>,
/// <c>docmap.webhook.rejection_reason</c> and the extraction id. The metrics are <c>docmap.webhook.deliveries</c>,
/// <c>docmap.webhook.handler.duration</c> (seconds) and <c>docmap.webhook.body.size</c> (bytes).
/// </para>
/// <para>
/// The delivery inbox uses the same names: each processing attempt is a <c>ProcessWebhook</c> (or
/// <c>ProcessMissedDelivery</c>) span of kind Consumer linked to the span that accepted the delivery, each reconciliation
/// poll a <c>ReconcileDeliveries</c> span; its metrics are <c>docmap.webhook.inbox.attempts</c>,
/// <c>docmap.webhook.inbox.missed_deliveries</c> and the gauges <c>docmap.webhook.inbox.queued</c>,
/// <c>docmap.webhook.inbox.running</c> and <c>docmap.webhook.inbox.dead_lettered</c>.
/// </para>
/// <para>
/// Named apart from <c>DocMap.Client.DocMapTelemetry</c> (the client's names), so code that imports both namespaces
/// names each without qualification.
/// </para>
/// </remarks>
public static class DocMapWebhookTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name of the receiver's spans: <c>DocMap.Client.Signatures.AspNetCore</c>.</summary>
    public const string ActivitySourceName = "DocMap.Client.Signatures.AspNetCore";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name of the receiver's metrics: <c>DocMap.Client.Signatures.AspNetCore</c>.</summary>
    public const string MeterName = "DocMap.Client.Signatures.AspNetCore";
}

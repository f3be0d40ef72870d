namespace DocMap.Client;

/// <summary>
/// Settings of the delivery-log health check (<c>AddDocMapDeliveries</c> on <c>IHealthChecksBuilder</c>): it reads the
/// most recent deliveries from DocMap's delivery log and reports Degraded when the share that failed is above
/// <see cref="FailureThreshold"/>.
/// </summary>
public sealed class DocMapDeliveryHealthCheckOptions
{
    /// <summary>Only the deliveries of this webhook; <see langword="null"/> (the default) for all of the account's webhooks.</summary>
    public string? WebhookId { get; set; }

    /// <summary>
    /// The share of failed deliveries (0 to 1) above which the check reports Degraded. Default 0.1: more than one in ten
    /// of the recent deliveries failed. 0 reports Degraded on any failure.
    /// </summary>
    public double FailureThreshold { get; set; } = 0.1;

    /// <summary>How many of the most recent deliveries are read, 1 to 100. Default 50.</summary>
    public int SampleSize { get; set; } = 50;

    /// <summary>
    /// Only deliveries made within this long before the check runs count, so an old incident does not keep the check
    /// Degraded on a quiet webhook. Default one hour; at least one second.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest the check waits for DocMap (retries included). Default 10 seconds; 1 millisecond to 5 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Settings of the DocMap delivery inbox, bound from the configuration section <c>DocMap:Webhooks:Inbox</c>
/// (see <see cref="SectionName"/>) or set in code, and validated when the app starts (a message names the bad setting).
/// </summary>
public sealed class DocMapWebhookInboxOptions
{
    /// <summary>The configuration section the settings are bound from by convention: <c>DocMap:Webhooks:Inbox</c>.</summary>
    public const string SectionName = "DocMap:Webhooks:Inbox";

    /// <summary>
    /// How long completed and dead-lettered records are kept: a repeat of a delivery within this period is recognized
    /// as a duplicate, and dead letters can be inspected and re-queued. 7 days by default; between 1 minute and 365 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The most time the endpoint waits for the store to record a delivery before it answers 503 (DocMap then logs the
    /// delivery as failed, and reconciliation can find it). DocMap waits 10 seconds for an answer, body included, so
    /// keep it well under that. 3 seconds by default; more than zero, at most 10 seconds.
    /// </summary>
    public TimeSpan AcceptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How many handlers this instance runs at once (each on a message it leased). 4 by default; between 1 and 1,024.
    /// Instances sharing a store each run up to their own limit.
    /// </summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// How long a running message stays leased to its worker without a renewal. The worker renews the lease every third
    /// of this while the handler runs; when the process dies, another worker (of this instance after a restart, or of
    /// another instance) takes the message once the lease has expired. Shorter recovers faster after a crash and costs
    /// more renewals. 1 minute by default; between 1 second and 1 hour.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most time one attempt's handler may run. Past it, the handler's cancellation token is cancelled and a warning
    /// is logged (event 4027, <c>InboxHandlerTimedOut</c>); when the handler then ends with an exception (as it should
    /// once its token is cancelled), the attempt counts as failed with a <see cref="TimeoutException"/> and is retried
    /// like any other failure. A handler that ignores its token keeps its lease (renewed) and its slot until it returns:
    /// the warning is the sign of it. A handler that finishes successfully despite the cancellation completes the message.
    /// 5 minutes by default; between 1 second and 1 day, or <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many attempts a message gets. A handler that throws (or, for a delegate handler, sets a non-2xx status) is
    /// retried after a delay until this many attempts failed; then the message is dead-lettered. An attempt whose
    /// process died counts too: a message leased more often than this (its process kept dying) is dead-lettered without
    /// running again. 5 by default; between 1 and 100.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// The delay before the second attempt; each further retry waits twice as long as the one before, up to
    /// <see cref="MaxRetryDelay"/>, and every delay is drawn at random between half of it and all of it (jitter), so
    /// messages that failed together do not retry together. 10 seconds by default; between 1 millisecond and 1 day.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest delay between two attempts. 10 minutes by default; at least <see cref="RetryBaseDelay"/>, at most 1 day.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often an idle instance asks the store for due messages: retries that became due, and deliveries another
    /// instance accepted. A delivery this instance accepts wakes its workers at once. 1 second by default; between
    /// 10 milliseconds and 5 minutes.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the store's records past <see cref="Retention"/> are removed. 1 hour by default; between 1 second and 1 day.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Settings of reconciliation from DocMap's delivery log (section <c>DocMap:Webhooks:Inbox:Reconciliation</c>), used
    /// when it is turned on with <see cref="DocMapWebhookInboxBuilder.AddReconciliation"/>.
    /// </summary>
    public DocMapWebhookReconciliationOptions Reconciliation { get; } = new();
}

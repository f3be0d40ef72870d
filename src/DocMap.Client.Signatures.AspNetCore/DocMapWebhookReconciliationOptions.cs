namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Settings of the inbox's reconciliation from DocMap's delivery log (<see cref="DocMapWebhookInboxBuilder.AddReconciliation"/>),
/// bound from <c>DocMap:Webhooks:Inbox:Reconciliation</c> or set in code.
/// </summary>
public sealed class DocMapWebhookReconciliationOptions
{
    /// <summary>
    /// Only the deliveries of this webhook are reconciled; <see langword="null"/> (the default) for all of the account's
    /// webhooks. Set it when the account has webhooks that point at other apps: their failed deliveries would otherwise
    /// be reported here too, when this app maps only one endpoint (docs/inbox.md, "Reconciliation"). Not empty when set.
    /// </summary>
    public string? WebhookId { get; set; }

    /// <summary>
    /// How often the delivery log is read (its 100 newest entries). When more than 100 deliveries arrive between two
    /// reads, the older ones are never seen: a warning then says so and suggests a shorter interval. 1 minute by default;
    /// between 1 second and 1 day.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

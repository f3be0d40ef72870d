namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Settings of the DocMap delivery inbox, bound from the configuration section <c>DocMap:Webhooks:Inbox</c>
/// (see <see cref="SectionName"/>) or set in code, and validated when the app starts.
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
}

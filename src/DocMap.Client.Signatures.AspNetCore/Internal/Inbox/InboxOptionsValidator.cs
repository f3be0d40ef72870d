using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Validates <see cref="DocMapWebhookInboxOptions"/> at start-up, naming each bad setting by its configuration path
/// (the bound section's, else <c>DocMap:Webhooks:Inbox</c>). The settings hold no secret, but no value is quoted anyway.
/// </summary>
internal sealed class InboxOptionsValidator(string? configurationPath) : IValidateOptions<DocMapWebhookInboxOptions>
{
    private readonly string _path = string.IsNullOrEmpty(configurationPath) ? DocMapWebhookInboxOptions.SectionName : configurationPath;

    public ValidateOptionsResult Validate(string? name, DocMapWebhookInboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Range(problems, nameof(options.Retention), options.Retention, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365), "between 1 minute and 365 days");
        Range(problems, nameof(options.AcceptTimeout), options.AcceptTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), "more than zero and at most 10 seconds (DocMap waits 10 seconds for an answer)");
        if (options.MaxConcurrency is < 1 or > 1024)
        {
            problems.Add($"{_path}:MaxConcurrency must be between 1 and 1024.");
        }

        Range(problems, nameof(options.LeaseDuration), options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "between 1 second and 1 hour");
        if (options.HandlerTimeout != Timeout.InfiniteTimeSpan)
        {
            Range(problems, nameof(options.HandlerTimeout), options.HandlerTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "between 1 second and 1 day, or -00:00:00.001 (Timeout.InfiniteTimeSpan) for none");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            problems.Add($"{_path}:MaxAttempts must be between 1 and 100.");
        }

        Range(problems, nameof(options.RetryBaseDelay), options.RetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "between 1 millisecond and 1 day");
        Range(problems, nameof(options.MaxRetryDelay), options.MaxRetryDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "between 1 millisecond and 1 day");
        if (options.MaxRetryDelay < options.RetryBaseDelay)
        {
            problems.Add($"{_path}:MaxRetryDelay must be at least {_path}:RetryBaseDelay.");
        }

        Range(problems, nameof(options.PollInterval), options.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5), "between 10 milliseconds and 5 minutes");
        Range(problems, nameof(options.PurgeInterval), options.PurgeInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "between 1 second and 1 day");
        var reconciliation = options.Reconciliation;
        Range(problems, "Reconciliation:Interval", reconciliation.Interval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), "between 1 second and 1 day");
        if (reconciliation.WebhookId is { } webhookId && string.IsNullOrWhiteSpace(webhookId))
        {
            problems.Add($"{_path}:Reconciliation:WebhookId must not be empty when it is set (leave it unset for every webhook of the account).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private void Range(List<string> problems, string setting, TimeSpan value, TimeSpan min, TimeSpan max, string rule)
    {
        if (value < min || value > max)
        {
            problems.Add($"{_path}:{setting} must be {rule}.");
        }
    }
}

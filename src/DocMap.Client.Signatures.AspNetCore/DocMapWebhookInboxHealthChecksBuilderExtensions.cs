using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using DocMap.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The health check of the DocMap delivery inbox, for <c>services.AddHealthChecks()</c>, next to the DocMap client's
/// <c>AddDocMapApi</c> and <c>AddDocMapDeliveries</c>. It uses the inbox store that <c>AddDocMapWebhookInbox</c>
/// registered. No description or data of its carries a secret, a key, a connection string or a body.
/// </summary>
public static class DocMapWebhookInboxHealthChecksBuilderExtensions
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Checks the DocMap delivery inbox: asks its store for its counts (<see cref="IDocMapWebhookInboxStore.GetStatsAsync"/>,
    /// bounded by <paramref name="timeout"/>). Healthy when the store answers and no message is dead-lettered;
    /// Degraded when some are (handlers gave up on them: inspect and re-queue them with <c>IDocMapWebhookInbox</c>);
    /// <paramref name="failureStatus"/> (Unhealthy by default) when the store fails or does not answer in time, which is
    /// also when the endpoints answer DocMap 503. The data holds <c>queued</c>, <c>running</c> and <c>deadLettered</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default <c>docmap-webhook-inbox</c>.</param>
    /// <param name="failureStatus">The status reported when the store fails; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by, for example <c>ready</c>.</param>
    /// <param name="timeout">The longest the check waits for the store; <see langword="null"/> for 5 seconds (1 millisecond to 5 minutes).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not between 1 millisecond and 5 minutes.</exception>
    public static IHealthChecksBuilder AddDocMapWebhookInbox(
        this IHealthChecksBuilder builder,
        string name = "docmap-webhook-inbox",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var bound = timeout ?? DefaultTimeout;
        HealthCheckTimeout.Check(bound, nameof(timeout));

        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new InboxHealthCheck(provider.GetService<IDocMapWebhookInboxStore>(), bound),
            failureStatus,
            tags));
    }
}

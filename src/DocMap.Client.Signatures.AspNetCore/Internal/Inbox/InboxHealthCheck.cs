using System.Globalization;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// Does the inbox store answer, and is nothing dead-lettered? One <see cref="IDocMapWebhookInboxStore.GetStatsAsync"/>,
/// bounded by the timeout even for a store that ignores its token. A failure is described by the exception's type only:
/// a store's exception message may quote its connection string or configuration, and health endpoints are often public.
/// </summary>
internal sealed class InboxHealthCheck(IDocMapWebhookInboxStore? store, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context.Registration.FailureStatus;
        if (store is null)
        {
            return new HealthCheckResult(failureStatus, "The DocMap inbox health check uses the inbox's store: call services.AddDocMapWebhookInbox(...) as well.");
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        InboxStats? stats;
        try
        {
            stats = await InboxStoreCalls.WaitAsync(store.GetStatsAsync(bound.Token), bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller (the health check service's own timeout, or the request) gave up: its concern, not a result.
            throw;
        }
        catch (Exception) when (bound.IsCancellationRequested)
        {
            return new HealthCheckResult(failureStatus, string.Create(CultureInfo.InvariantCulture, $"The DocMap inbox store did not answer within the health check's timeout of {timeout.TotalMilliseconds:0} ms; the webhook endpoints answer 503 while it does not."));
        }
        catch (Exception ex)
        {
            return new HealthCheckResult(
                failureStatus,
                $"The DocMap inbox store failed ({ex.GetType().FullName}); the webhook endpoints answer 503 while it does (the inbox's log has the details).",
                data: new Dictionary<string, object> { ["exceptionType"] = ex.GetType().FullName ?? ex.GetType().Name });
        }

        if (stats is null)
        {
            return new HealthCheckResult(failureStatus, "The DocMap inbox store answered no counts (GetStatsAsync returned null).");
        }

        var data = new Dictionary<string, object>
        {
            ["queued"] = stats.Queued,
            ["running"] = stats.Running,
            ["deadLettered"] = stats.DeadLettered,
        };
        return stats.DeadLettered > 0
            ? HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"{stats.DeadLettered} DocMap inbox message(s) dead-lettered ({stats.Queued} queued, {stats.Running} running): their handlers gave up; inspect and re-queue them with IDocMapWebhookInbox (ListDeadLettersAsync, RequeueAsync)."),
                data: data)
            : HealthCheckResult.Healthy(
                string.Create(CultureInfo.InvariantCulture, $"The DocMap inbox store answered: {stats.Queued} queued, {stats.Running} running, none dead-lettered."),
                data);
    }
}

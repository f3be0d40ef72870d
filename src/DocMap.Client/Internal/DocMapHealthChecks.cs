using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DocMap.Client.Internal;

/// <summary>Can DocMap be reached, and does it accept the key? One <c>GET /v1/webhooks/deliveries?limit=1</c>.</summary>
internal sealed class DocMapApiHealthCheck(IDocMapApi? api, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (api is null)
        {
            return DocMapHealthCheckFailure.NotRegistered(context);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            await api.ListDeliveriesAsync(limit: 1, cancellationToken: bound.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("DocMap answered and accepted the API key.");
        }
        catch (Exception ex) when (DocMapHealthCheckFailure.IsExpected(ex, bound))
        {
            return DocMapHealthCheckFailure.From(context, ex, bound, timeout);
        }
    }
}

/// <summary>The share of failed deliveries among the most recent ones in DocMap's delivery log.</summary>
internal sealed class DocMapDeliveryHealthCheck(IDocMapApi? api, DocMapDeliveryHealthCheckOptions options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (api is null)
        {
            return DocMapHealthCheckFailure.NotRegistered(context);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.Timeout);
        IReadOnlyList<WebhookDelivery> deliveries;
        try
        {
            deliveries = (await api.ListDeliveriesAsync(options.WebhookId, options.SampleSize, bound.Token).ConfigureAwait(false)).Data;
        }
        catch (Exception ex) when (DocMapHealthCheckFailure.IsExpected(ex, bound))
        {
            return DocMapHealthCheckFailure.From(context, ex, bound, options.Timeout);
        }

        var since = time.GetUtcNow() - options.Window;
        var total = 0;
        var failed = 0;
        foreach (var delivery in deliveries)
        {
            if (delivery is null || delivery.CreatedAt < since)
            {
                continue;
            }

            total++;
            if (delivery.Status != DeliveryStatus.Success)
            {
                failed++;
            }
        }

        var share = total == 0 ? 0 : (double)failed / total;
        var data = new Dictionary<string, object>
        {
            ["deliveries"] = total,
            ["failed"] = failed,
            ["failureShare"] = share,
            ["threshold"] = options.FailureThreshold,
        };
        if (options.WebhookId is not null)
        {
            data["webhookId"] = options.WebhookId;
        }

        var scope = options.WebhookId is null ? "DocMap deliveries" : $"DocMap deliveries of webhook {options.WebhookId}";
        var window = DescribeWindow(options.Window);
        if (total == 0)
        {
            return HealthCheckResult.Healthy($"No {scope} in the last {window}.", data);
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"{failed} of the last {total} {scope} (within {window}) failed ({share:P0}");
        return share > options.FailureThreshold
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"{summary}, above the threshold of {options.FailureThreshold:P0})."), data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"{summary}, within the threshold of {options.FailureThreshold:P0})."), data);
    }

    /// <summary>A window as people say it: <c>1 hour</c>, <c>15 minutes</c>, else as <see cref="DocMapMessages.Describe"/> does.</summary>
    internal static string DescribeWindow(TimeSpan window) => window switch
    {
        { Ticks: var t } when t % TimeSpan.TicksPerHour == 0 => Plural((long)window.TotalHours, "hour"),
        { Ticks: var t } when t % TimeSpan.TicksPerMinute == 0 => Plural((long)window.TotalMinutes, "minute"),
        _ => DocMapMessages.Describe(window),
    };

    private static string Plural(long count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? string.Empty : "s")}");
}

/// <summary>
/// The failed result of a DocMap health check: what DocMap answered (status and error code, also in the data), or that
/// it did not answer in time, or could not be reached. Built from the exception's typed fields, never from a server
/// text beyond the (already key-masked) error code; the attached exception's message is key-masked as every client
/// exception is.
/// </summary>
internal static class DocMapHealthCheckFailure
{
    /// <summary>The longest error code quoted (a server could send any text).</summary>
    private const int MaxErrorCodeLength = 64;

    /// <summary>The client's own exceptions, and the check's timeout; anything else (a bug) is left to the health check service.</summary>
    public static bool IsExpected(Exception exception, CancellationTokenSource bound) =>
        exception is DocMapApiException or HttpRequestException or TimeoutException
        || (exception is OperationCanceledException && bound.IsCancellationRequested);

    /// <summary>The check was added without <c>AddDocMapClient</c>: a failed result that says so, rather than an exception out of the health check service.</summary>
    public static HealthCheckResult NotRegistered(HealthCheckContext context) =>
        new(context.Registration.FailureStatus, "The DocMap health checks use the registered IDocMapApi: call services.AddDocMapClient(...) as well.");

    public static HealthCheckResult From(HealthCheckContext context, Exception exception, CancellationTokenSource bound, TimeSpan timeout)
    {
        var status = context.Registration.FailureStatus;
        switch (exception)
        {
            case DocMapApiException api:
                var data = new Dictionary<string, object> { ["statusCode"] = (int)api.StatusCode };
                var code = api.ErrorCode is { Length: > MaxErrorCodeLength } longCode ? longCode[..MaxErrorCodeLength] : api.ErrorCode;
                if (code is not null)
                {
                    data["errorCode"] = code;
                }

                var what = code is null ? $"{(int)api.StatusCode} ({api.StatusCode})" : $"{(int)api.StatusCode} ({api.StatusCode}) {code}";
                var hint = api.StatusCode == System.Net.HttpStatusCode.Unauthorized ? " Check the API key (DocMapClientOptions.ApiKey)." : string.Empty;
                return new HealthCheckResult(status, $"DocMap answered {what} to {api.RequestMethod} {api.RequestPath}.{hint}", exception, data);
            case OperationCanceledException when bound.IsCancellationRequested:
                return new HealthCheckResult(status, $"DocMap did not answer within the health check's timeout of {DocMapMessages.Describe(timeout)}.");
            case TimeoutException:
                return new HealthCheckResult(status, "DocMap did not answer within the client's timeout (DocMapClientOptions.Timeout or AttemptTimeout).", exception);
            case HttpRequestException http:
                return new HealthCheckResult(status, $"DocMap could not be reached ({http.HttpRequestError}).", exception);
            default:
                return new HealthCheckResult(status, $"The DocMap health check failed ({exception.GetType().Name}).", exception);
        }
    }
}

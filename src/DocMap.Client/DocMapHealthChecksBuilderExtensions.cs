using DocMap.Client;
using DocMap.Client.Internal;
using DocMap.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Health checks of the DocMap client, for <c>services.AddHealthChecks()</c>. Both use the <see cref="IDocMapApi"/>
/// registered by <c>AddDocMapClient</c>. No description, data or exception of theirs carries the API key.
/// </summary>
public static class DocMapHealthChecksBuilderExtensions
{
    /// <summary>The default timeout of <see cref="AddDocMapApi"/>: 10 seconds.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Checks that DocMap can be reached and accepts the API key, with one cheap call (<c>GET /v1/webhooks/deliveries</c>
    /// with a limit of 1) bounded by <paramref name="timeout"/>. Healthy when DocMap answers; otherwise
    /// <paramref name="failureStatus"/> (Unhealthy by default) with what went wrong: the status and error code DocMap
    /// answered (for example 401 <c>UNAUTHORIZED</c> for a wrong or expired key, in the data as <c>statusCode</c> and
    /// <c>errorCode</c>), no answer in time, or no connection.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Default <c>docmap-api</c>.</param>
    /// <param name="failureStatus">The status reported when the check fails; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by, for example <c>ready</c>.</param>
    /// <param name="timeout">The longest the check waits for DocMap, retries included; <see langword="null"/> for 10 seconds (1 millisecond to 5 minutes).</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not between 1 millisecond and 5 minutes.</exception>
    public static IHealthChecksBuilder AddDocMapApi(
        this IHealthChecksBuilder builder,
        string name = "docmap-api",
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
            provider => new DocMapApiHealthCheck(provider.GetService<IDocMapApi>(), bound),
            failureStatus,
            tags));
    }

    /// <summary>
    /// Checks DocMap's delivery log: reads the most recent deliveries (of one webhook, or of all) and reports Degraded
    /// when the share that failed within <see cref="DocMapDeliveryHealthCheckOptions.Window"/> is above
    /// <see cref="DocMapDeliveryHealthCheckOptions.FailureThreshold"/>, Healthy otherwise (also when there were none).
    /// The data holds <c>deliveries</c>, <c>failed</c>, <c>failureShare</c> and <c>threshold</c>. When the log cannot be
    /// read the check reports <paramref name="failureStatus"/> (Unhealthy by default), as <see cref="AddDocMapApi"/> does.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Adjusts the settings; <see langword="null"/> for the defaults.</param>
    /// <param name="name">The check's name. Default <c>docmap-deliveries</c>.</param>
    /// <param name="failureStatus">The status reported when the log cannot be read; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it), or <see cref="DocMapDeliveryHealthCheckOptions.WebhookId"/> is empty.</exception>
    public static IHealthChecksBuilder AddDocMapDeliveries(
        this IHealthChecksBuilder builder,
        Action<DocMapDeliveryHealthCheckOptions>? configure = null,
        string name = "docmap-deliveries",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var options = new DocMapDeliveryHealthCheckOptions();
        configure?.Invoke(options);
        if (options.WebhookId is not null && string.IsNullOrWhiteSpace(options.WebhookId))
        {
            throw new ArgumentException("DocMapDeliveryHealthCheckOptions.WebhookId cannot be empty or white space (null checks every webhook).", nameof(configure));
        }

        if (!(options.FailureThreshold is >= 0 and <= 1))
        {
            throw new ArgumentException("DocMapDeliveryHealthCheckOptions.FailureThreshold must be between 0 and 1.", nameof(configure));
        }

        if (options.SampleSize is < 1 or > 100)
        {
            throw new ArgumentException("DocMapDeliveryHealthCheckOptions.SampleSize must be between 1 and 100.", nameof(configure));
        }

        if (options.Window < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("DocMapDeliveryHealthCheckOptions.Window must be at least 1 second.", nameof(configure));
        }

        if (!HealthCheckTimeout.IsInRange(options.Timeout))
        {
            throw new ArgumentException("DocMapDeliveryHealthCheckOptions.Timeout must be between 1 millisecond and 5 minutes.", nameof(configure));
        }

        var settings = new DocMapDeliveryHealthCheckOptions
        {
            WebhookId = options.WebhookId,
            FailureThreshold = options.FailureThreshold,
            SampleSize = options.SampleSize,
            Window = options.Window,
            Timeout = options.Timeout,
        };
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new DocMapDeliveryHealthCheck(provider.GetService<IDocMapApi>(), settings, provider.GetService<TimeProvider>() ?? TimeProvider.System),
            failureStatus,
            tags));
    }
}

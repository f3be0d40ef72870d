using System.Diagnostics;
using System.Globalization;
using DocMap.Cli.Output;

namespace DocMap.Cli.Infrastructure;

/// <summary>
/// <c>--verbose</c>: prints one debug line per HTTP request this process makes, from the activities of
/// <c>System.Net.Http</c> (method, URL without query string, status, duration). Activities carry no headers, so the
/// API key cannot appear; every line goes through the redactor anyway.
/// </summary>
internal sealed class HttpDebugListener : IDisposable
{
    /// <summary>The run whose requests are being logged, per async flow (several runs may share a process: tests).</summary>
    private static readonly AsyncLocal<CliOutput?> Current = new();

    private readonly ActivityListener _listener;

    private HttpDebugListener(CliOutput output)
    {
        Current.Value = output;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) =>
                ReferenceEquals(Current.Value, output) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = activity =>
            {
                if (ReferenceEquals(Current.Value, output))
                {
                    output.Debug(Describe(activity));
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public static HttpDebugListener Start(CliOutput output) => new(output);

    public void Dispose()
    {
        _listener.Dispose();
        Current.Value = null;
    }

    private static string Describe(Activity activity)
    {
        var method = activity.GetTagItem("http.request.method") as string ?? "?";
        var url = activity.GetTagItem("url.full") as string ?? activity.DisplayName;
        var query = url.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            url = url[..query];
        }

        var status = activity.GetTagItem("http.response.status_code");
        var error = activity.GetTagItem("error.type") as string;
        var outcome = status is not null ? Convert.ToString(status, CultureInfo.InvariantCulture) : error ?? "no response";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"HTTP {method} {url} -> {outcome} in {activity.Duration.TotalMilliseconds:0} ms");
    }
}

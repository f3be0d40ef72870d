using System.Globalization;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;

namespace DocMap.Cli.Commands;

/// <summary>How values are shown to people (JSON has its own, documented forms in <see cref="CliJson"/>).</summary>
internal static class Formats
{
    public static readonly string[] DefaultEvents = [WebhookEventType.ExtractionCompleted.ToString(), WebhookEventType.ExtractionFailed.ToString()];

    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string? StatusColour(string status) => status switch
    {
        "success" => "green",
        "failed" => "red",
        _ => null,
    };

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The events of <c>--event</c>: each non-empty and without whitespace; DocMap's two when none was given.</summary>
    public static WebhookEventType[] Events(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return [.. DefaultEvents.Select(e => new WebhookEventType(e))];
        }

        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace))
            {
                throw new CliUsageException($"--event '{CliOutput.Cell(value)}' is not an event name; DocMap's events are {string.Join(" and ", DefaultEvents)}.");
            }
        }

        return [.. values.Distinct(StringComparer.Ordinal).Select(e => new WebhookEventType(e))];
    }

    /// <summary>A webhook URL: absolute http or https (DocMap requires https in production).</summary>
    public static string WebhookUrl(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) ||
            !Uri.TryCreate(value, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new CliUsageException($"{name} must be an absolute https (or, in development, http) URL, for example https://your.app/webhooks/docmap.");
        }

        return value;
    }

    /// <summary>An id given on the command line: non-empty, printable, no whitespace, not a dot segment (<c>.</c>, <c>..</c>: in a path they are not ids).</summary>
    public static string Id(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) || value is "." or ".." || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new CliUsageException($"{name} must be an id such as wh_... (no spaces).");
        }

        return value;
    }
}

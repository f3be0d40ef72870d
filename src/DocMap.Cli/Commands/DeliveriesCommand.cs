using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;

namespace DocMap.Cli.Commands;

/// <summary><c>docmap deliveries [--webhook ID] [--failed] [--limit N] [--watch [--interval T]]</c>.</summary>
internal static class DeliveriesCommand
{
    public const int MaxLimit = 100;
    public const int DefaultLimit = 50;

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    public static Command Create(SharedOptions shared, CliHost host)
    {
        var webhook = new Option<string>("--webhook") { Description = "Only this webhook's deliveries.", HelpName = "id" };
        var failed = new Option<bool>("--failed") { Description = "Only failed deliveries (among the --limit latest read)." };
        var limit = new Option<int?>("--limit")
        {
            Description = $"How many of the latest deliveries to read, 1-{MaxLimit} [default: {DefaultLimit}].",
            HelpName = "n",
            CustomParser = ParseLimit,
        };
        var watch = new Option<bool>("--watch") { Description = "Keep polling and print each new delivery once, as it appears, until Ctrl+C." };
        var interval = new Option<TimeSpan?>("--interval")
        {
            Description = "With --watch: time between polls, such as 2s, 500ms or 1m (1s to 1h) [default: 5s].",
            HelpName = "time",
            CustomParser = ParseInterval,
        };

        var command = new Command("deliveries", "Show the delivery log (GET /v1/webhooks/deliveries), newest first.");
        command.Options.Add(webhook);
        command.Options.Add(failed);
        command.Options.Add(limit);
        command.Options.Add(watch);
        command.Options.Add(interval);
        shared.AddApiOptions(command);
        command.Validators.Add(result =>
        {
            if (result.GetResult(interval) is { Implicit: false } && result.GetResult(watch) is null)
            {
                result.AddError("--interval only applies with --watch.");
            }
        });

        CliApp.SetHandler(command, shared, host, async context =>
        {
            var webhookId = context.Get(webhook) is { } id ? Formats.Id(id, "--webhook") : null;
            var query = new Query(webhookId, context.Get(limit), context.Get(failed));
            var (client, _) = context.CreateClient();
            return context.Get(watch)
                ? await WatchAsync(context, client, query, context.Get(interval) ?? DefaultInterval).ConfigureAwait(false)
                : await ListAsync(context, client, query).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record Query(string? WebhookId, int? Limit, bool FailedOnly)
    {
        public int PageSize => Limit ?? DefaultLimit;

        public bool Shows(WebhookDelivery delivery) => !FailedOnly || delivery.Status == DeliveryStatus.Failed;
    }

    private static async Task<int> ListAsync(CommandContext context, IDocMapApi client, Query query)
    {
        var page = (await context.Output.WaitAsync(
            "Reading the delivery log",
            () => client.ListDeliveriesAsync(query.WebhookId, query.Limit, context.CancellationToken)).ConfigureAwait(false)).Data;
        var shown = page.Where(query.Shows).ToList();

        if (context.Output.Json)
        {
            context.Output.WriteJson(new DeliveryListJson([.. shown.Select(DeliveryJson.From)]), CliJson.Context.DeliveryListJson);
        }
        else if (shown.Count == 0)
        {
            context.Output.Result(query.FailedOnly
                ? $"No failed deliveries among the latest {Formats.Number(page.Count)}."
                : "No deliveries yet.");
        }
        else
        {
            context.Output.Table(
                [
                    new("CREATED (UTC)"), new("ID"), new("WEBHOOK"), new("EVENT"), new("STATUS", Colour: Formats.StatusColour),
                    new("HTTP", AlignRight: true), new("DURATION", AlignRight: true), new("EXTRACTION"), new("ERROR"),
                ],
                [.. shown.Select(d => new[]
                {
                    Formats.Time(d.CreatedAt), d.Id, d.WebhookId, d.Event.ToString(), d.Status.ToString(),
                    d.HttpStatus is { } status ? Formats.Number(status) : null, Formats.Number(d.DurationMs) + " ms", d.ExtractionId, d.Error,
                })]);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Polls until cancelled. Each poll reads the latest page, newest first; deliveries whose ids were not seen
    /// before are printed oldest first. Seen ids live in a bounded set (<see cref="SeenIds"/>), so memory stays flat
    /// however long it runs. Transient failures (5xx, 429, network) print a warning and the next poll tries again;
    /// DocMap refusing (401, 403, 400) ends the watch with exit 1.
    /// </summary>
    private static async Task<int> WatchAsync(CommandContext context, IDocMapApi client, Query query, TimeSpan interval)
    {
        var output = context.Output;
        var seen = new SeenIds(SeenIds.CapacityFor(query.PageSize));
        var first = true;
        output.Info($"Watching deliveries{(query.WebhookId is null ? string.Empty : " of " + query.WebhookId)} every {FormatInterval(interval)} (Ctrl+C to stop).");

        while (!context.CancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<WebhookDelivery>? page = null;
            try
            {
                page = (await client.ListDeliveriesAsync(query.WebhookId, query.Limit, context.CancellationToken).ConfigureAwait(false)).Data;
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (DocMapApiException ex) when (ex.IsTransient)
            {
                output.Warn(output.Redactor.Redact(CliApp.DescribeApiError(ex)) + "; trying again.");
            }
            catch (Exception ex) when (ex is TimeoutException || CommandContext.IsNetworkFailure(ex))
            {
                output.Warn(output.Redactor.Redact($"Could not reach DocMap: {ex.Message}") + "; trying again.");
            }

            if (page is not null)
            {
                var fresh = new List<WebhookDelivery>();
                foreach (var delivery in page)
                {
                    if (seen.Add(delivery.Id))
                    {
                        fresh.Add(delivery);
                    }
                }

                if (!first && page.Count >= query.PageSize && fresh.Count == page.Count)
                {
                    output.Warn($"{Formats.Number(page.Count)} new deliveries arrived between two polls; older new ones may have been missed (raise --limit or lower --interval).");
                }

                fresh.Reverse(); // oldest first, as a log reads
                foreach (var delivery in fresh.Where(query.Shows))
                {
                    Print(output, delivery);
                }

                first = false;
            }

            try
            {
                await Task.Delay(interval, context.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        output.Info("Stopped watching.");
        return ExitCodes.Success;
    }

    private static void Print(CliOutput output, WebhookDelivery delivery)
    {
        if (output.Json)
        {
            output.WriteJson(DeliveryJson.From(delivery), CliJson.Context.DeliveryJson);
            return;
        }

        var http = delivery.HttpStatus is { } code ? Formats.Number(code) : "-";
        var status = delivery.Status.ToString();
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{Formats.Time(delivery.CreatedAt)}  {status,-7}  {http,3}  {delivery.DurationMs,6} ms  {delivery.Event,-20}  {delivery.Id}  webhook {delivery.WebhookId}  extraction {delivery.ExtractionId}");
        if (delivery.Error is not null)
        {
            line += "  error: " + delivery.Error;
        }

        output.Result(CliOutput.Cell(line));
        output.Flush();
    }

    private static string FormatInterval(TimeSpan interval) =>
        interval.TotalSeconds >= 1 && interval.Milliseconds == 0
            ? Formats.Number((long)interval.TotalSeconds) + "s"
            : Formats.Number((long)interval.TotalMilliseconds) + "ms";

    private static int? ParseLimit(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxLimit)
        {
            return value;
        }

        result.AddError($"--limit must be a whole number from 1 to {MaxLimit} (DocMap's limit), not '{CliOutput.Cell(text)}'.");
        return null;
    }

    private static TimeSpan? ParseInterval(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParseDuration(text, out var value) && value >= MinInterval && value <= MaxInterval)
        {
            return value;
        }

        result.AddError($"--interval must be a time from 1s to 1h such as 2s, 1500ms or 1m, not '{CliOutput.Cell(text)}'.");
        return null;
    }

    /// <summary>Parses <c>500ms</c>, <c>2s</c>, <c>1.5s</c>, <c>1m</c>, <c>1h</c>, or a plain number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        var (number, scale) =
            text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0) :
            text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1000.0) :
            text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60_000.0) :
            text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3_600_000.0) :
            (text, 1000.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) ||
            !double.IsFinite(amount) || amount < 0 || amount * scale > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * scale);
        return true;
    }
}

/// <summary>
/// The delivery ids <c>--watch</c> has printed, bounded: once full, the oldest id is forgotten. A poll returns at most
/// <c>--limit</c> (≤ 100) newest deliveries, so ids older than a few pages can never come back into view; the capacity
/// keeps many pages' worth.
/// </summary>
internal sealed class SeenIds(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count => _ids.Count;

    public static int CapacityFor(int pageSize) => Math.Max(1024, pageSize * 16);

    /// <summary>Records an id; <see langword="true"/> when it had not been seen (within the capacity).</summary>
    public bool Add(string id)
    {
        if (!_ids.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        if (_order.Count > Capacity)
        {
            _ids.Remove(_order.Dequeue());
        }

        return true;
    }
}

using System.CommandLine;
using System.Text.Json;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;

namespace DocMap.Cli.Commands;

/// <summary>
/// <c>docmap trigger &lt;event&gt;</c>: makes a DocMap emulator deliver an event (<c>POST /_emulator/trigger</c>).
/// DocMap itself has no such call, so against anything that does not describe itself as the emulator on
/// <c>GET /_emulator</c> the command refuses with exit 1 before sending anything else.
/// </summary>
internal static class TriggerCommand
{
    public static Command Create(SharedOptions shared, CliHost host)
    {
        var eventName = new Argument<string>("event")
        {
            Description = "The event to deliver: extraction.completed or extraction.failed.",
            HelpName = "event",
        };
        eventName.CompletionSources.Add(Formats.DefaultEvents);
        var extractionId = new Option<string>("--extraction-id") { Description = "The extraction id the delivery names [default: a new ext_… id].", HelpName = "id" };
        var data = new Option<string>("--data")
        {
            Description = "A JSON file with the extraction record sent as the delivery's data (- for standard input) [default: generated].",
            HelpName = "file",
        };
        var webhook = new Option<string>("--webhook") { Description = "Deliver to this webhook only [default: every active webhook subscribed to the event].", HelpName = "id" };

        var command = new Command(
            "trigger",
            "Make a DocMap emulator (docmap emulator, or DocMapEmulator in a test) deliver an event now, and show the deliveries. " +
            "DocMap's real API has no such call: there, deliveries happen when extractions finish.");
        command.Arguments.Add(eventName);
        command.Options.Add(extractionId);
        command.Options.Add(data);
        command.Options.Add(webhook);
        shared.AddApiOptions(command);

        CliApp.SetHandler(command, shared, host, async context =>
        {
            var name = Formats.Id(context.Get(eventName), "<event>");
            var extraction = context.Get(extractionId) is { } id ? Formats.Id(id, "--extraction-id") : null;
            var webhookId = context.Get(webhook) is { } wh ? Formats.Id(wh, "--webhook") : null;
            JsonElement? record = null;
            if (context.Get(data) is { } dataPath)
            {
                record = ParseRecord(await InputFiles.ReadAsync(context.Host, dataPath, "--data", context.CancellationToken).ConfigureAwait(false), dataPath);
            }

            var apiKey = context.RequireApiKey();
            var baseAddress = context.BaseAddress();
            context.WarnIfUnencrypted(baseAddress);
            using var control = new EmulatorControlClient(baseAddress, apiKey, context.Host.EmulatorDetectTimeout, context.Host.EmulatorTriggerTimeout);

            var detection = await context.Output.WaitAsync("Looking for the emulator", () => control.DetectAsync(context.CancellationToken)).ConfigureAwait(false);
            if (detection.Emulator is not { } emulator)
            {
                throw new CliFailureException(NotAnEmulator(baseAddress, detection), "notEmulator");
            }

            context.Output.Debug($"emulator {emulator.Version} at {emulator.Url}");
            var deliveries = await context.Output.WaitAsync(
                $"Delivering {name}",
                () => control.TriggerAsync(new TriggerRequest(name, extraction, record, webhookId), context.CancellationToken)).ConfigureAwait(false);

            if (context.Output.Json)
            {
                context.Output.WriteJson(
                    new TriggerResultJson(
                        new EmulatorJson(emulator.Name ?? EmulatorControlClient.EmulatorName, emulator.Version ?? string.Empty, emulator.Url ?? baseAddress.AbsoluteUri),
                        [.. deliveries.Select(ToJson)]),
                    CliJson.Context.TriggerResultJson);
            }
            else if (deliveries.Count > 0)
            {
                context.Output.Table(
                    [
                        new("ID"), new("WEBHOOK"), new("EVENT"), new("STATUS", Colour: Formats.StatusColour), new("HTTP", AlignRight: true),
                        new("DURATION", AlignRight: true), new("EXTRACTION"), new("URL"), new("ERROR"),
                    ],
                    [.. deliveries.Select(d => new[]
                    {
                        d.Id, d.WebhookId, d.Event, d.Status, d.HttpStatus is { } status ? Formats.Number(status) : null,
                        Formats.Number(d.DurationMs) + " ms", d.ExtractionId, d.Url, d.Error,
                    })]);
            }

            if (deliveries.Count == 0)
            {
                context.Output.Warn($"No active webhook is subscribed to {name}{(webhookId is null ? string.Empty : " with id " + webhookId)}: nothing was delivered.");
            }
            else
            {
                var failed = deliveries.Count(d => !string.Equals(d.Status, "success", StringComparison.Ordinal));
                context.Output.Info($"{Formats.Number(deliveries.Count)} {(deliveries.Count == 1 ? "delivery" : "deliveries")}: {Formats.Number(deliveries.Count - failed)} succeeded, {Formats.Number(failed)} failed.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static TriggeredDeliveryJson ToJson(TriggeredDelivery d) => new(
        d.Id ?? string.Empty,
        d.WebhookId ?? string.Empty,
        d.ExtractionId ?? string.Empty,
        d.Event ?? string.Empty,
        d.Url ?? string.Empty,
        d.Status ?? string.Empty,
        d.HttpStatus,
        d.Error,
        d.DurationMs,
        d.CreatedAt is { } createdAt ? CliJson.Timestamp(createdAt) : string.Empty);

    private static JsonElement ParseRecord(byte[] bytes, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CliUsageException($"--data {path} must hold a JSON object (the extraction record), not a {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"--data {path} is not valid JSON: {ex.Message}");
        }
    }

    private static string NotAnEmulator(Uri baseAddress, EmulatorControlClient.Detection detection)
    {
        var text =
            $"{baseAddress.GetLeftPart(UriPartial.Authority)} is not a DocMap emulator ({detection.Reason}). " +
            "DocMap's API offers no call that triggers an event: deliveries happen when your extractions complete or fail. " +
            "To test a receiver, run 'docmap emulator' and point --base-url (or DOCMAP_BASE_URL) and --api-key at it.";
        if (detection.Status == System.Net.HttpStatusCode.Unauthorized)
        {
            text += " If it is an emulator, it did not accept this API key: each emulator accepts only its own.";
        }

        return text;
    }
}

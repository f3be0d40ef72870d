using System.CommandLine;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;

namespace DocMap.Cli.Commands;

/// <summary><c>docmap webhooks list | create | delete</c>.</summary>
internal static class WebhooksCommands
{
    public const string SecretWarning =
        "DocMap shows this secret only once, now. Store it where your receiver reads it, for example " +
        "DocMap__Webhooks__Secrets__0 (environment) or DocMap:Webhooks:Secrets:0 (configuration).";

    public static Command Create(SharedOptions shared, CliHost host)
    {
        var webhooks = new Command("webhooks", "Register, list and delete your webhooks.");
        webhooks.Subcommands.Add(List(shared, host));
        webhooks.Subcommands.Add(CreateCommand(shared, host));
        webhooks.Subcommands.Add(Delete(shared, host));
        return webhooks;
    }

    /// <summary>The <c>--event</c> option (webhooks create, emulator): repeatable, DocMap's two events by default.</summary>
    public static Option<string[]> EventOption(string description) => new Option<string[]>("--event")
    {
        Description = description,
        HelpName = "event",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    }.AcceptCompletions(Formats.DefaultEvents);

    private static Command List(SharedOptions shared, CliHost host)
    {
        var command = new Command("list", "List your webhooks (GET /v1/webhooks). Secrets are never listed: DocMap shows each only once, at creation.");
        shared.AddApiOptions(command);
        CliApp.SetHandler(command, shared, host, async context =>
        {
            var (client, _) = context.CreateClient();
            var webhooks = (await context.Output.WaitAsync("Listing webhooks", () => client.ListWebhooksAsync(context.CancellationToken)).ConfigureAwait(false)).Data;
            if (context.Output.Json)
            {
                context.Output.WriteJson(new WebhookListJson([.. webhooks.Select(WebhookJson.From)]), CliJson.Context.WebhookListJson);
            }
            else if (webhooks.Count == 0)
            {
                context.Output.Result("No webhooks. Register one with: docmap webhooks create <url>");
            }
            else
            {
                context.Output.Table(
                    [new("ID"), new("URL"), new("EVENTS"), new("ACTIVE"), new("CREATED (UTC)")],
                    [.. webhooks.Select(w => new[] { w.Id, w.Url, string.Join(",", w.Events), w.Active ? "yes" : "no", Formats.Time(w.CreatedAt) })]);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateCommand(SharedOptions shared, CliHost host)
    {
        var url = new Argument<string>("url") { Description = "Where DocMap POSTs deliveries: an absolute https URL (http in development)." };
        var events = EventOption("An event to subscribe to (repeat for several) [default: extraction.completed and extraction.failed].");
        var secretFile = new Option<string>("--secret-file")
        {
            Description = "Write the webhook's secret to this new file (readable only by you; never overwritten) instead of printing it.",
            HelpName = "path",
        };
        var command = new Command("create", "Register a webhook (POST /v1/webhooks) and show its signing secret, once.");
        command.Arguments.Add(url);
        command.Options.Add(events);
        command.Options.Add(secretFile);
        shared.AddApiOptions(command);

        CliApp.SetHandler(command, shared, host, async context =>
        {
            var request = new CreateWebhookRequest(Formats.WebhookUrl(context.Get(url), "<url>"), Formats.Events(context.Get(events)));
            var (client, _) = context.CreateClient();
            var path = context.Get(secretFile);
            using var file = path is null ? null : SecretFile.CreateExclusive(path);

            var created = (await context.Output.WaitAsync("Registering the webhook", () => client.CreateWebhookAsync(request, context.CancellationToken)).ConfigureAwait(false)).Data;
            if (file is not null)
            {
                await WriteSecretOrRollBackAsync(context, client, file, created).ConfigureAwait(false);
            }

            var webhook = created.Webhook;
            try
            {
                if (context.Output.Json)
                {
                    context.Output.WriteJson(
                        new CreatedWebhookJson(WebhookJson.From(webhook), file is null ? created.Secret : null, file?.FullPath),
                        CliJson.Context.CreatedWebhookJson);
                }
                else
                {
                    context.Output.Result($"Created webhook {webhook.Id} for {CliOutput.Cell(webhook.Url)} ({string.Join(", ", webhook.Events)}).");
                }

                if (file is null && !context.Output.Json)
                {
                    context.Output.Result($"Secret: {created.Secret}");
                }
            }
            catch (Exception ex) when (file is null && ex is OutputClosedException or OutputFailedException)
            {
                // The secret did not reach anyone (the reader went away, or the disk is full), and DocMap never shows it again.
                context.Output.Error(ex is OutputFailedException
                    ? ex.Message
                    : "Standard output was closed before the webhook's secret could be printed.");
                await RollBackAsync(client, created).ConfigureAwait(false);
            }

            if (file is null)
            {
                context.Output.Warn(SecretWarning);
            }
            else
            {
                context.Output.Info($"The secret is in {file.FullPath} (readable only by you). DocMap will not show it again.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task WriteSecretOrRollBackAsync(CommandContext context, IDocMapApi client, SecretFile file, CreateWebhookResult created)
    {
        try
        {
            file.Write(created.Secret);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The secret cannot be kept, so the webhook would be unusable: remove it rather than leave an orphan.
            context.Output.Error($"Could not write the secret to {file.FullPath}: {ex.Message}");
        }

        await RollBackAsync(client, created).ConfigureAwait(false);
    }

    /// <summary>Deletes a webhook whose secret could not be kept, and fails (exit 1, kind <c>io</c>) saying whether that worked.</summary>
    private static async Task RollBackAsync(IDocMapApi client, CreateWebhookResult created)
    {
        try
        {
            await client.DeleteWebhookAsync(created.Webhook.Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DocMapApiException or HttpRequestException or TimeoutException)
        {
            throw new CliFailureException(
                $"The secret could not be stored and webhook {created.Webhook.Id} could not be deleted ({ex.Message}); delete it with: docmap webhooks delete {created.Webhook.Id}",
                "io");
        }

        throw new CliFailureException($"The secret could not be stored, so webhook {created.Webhook.Id} was deleted again. Nothing was registered.", "io");
    }

    private static Command Delete(SharedOptions shared, CliHost host)
    {
        var id = new Argument<string>("id") { Description = "The webhook's id, as `docmap webhooks list` shows it." };
        var command = new Command("delete", "Delete a webhook (DELETE /v1/webhooks/{id}): DocMap stops delivering to it.");
        command.Arguments.Add(id);
        shared.AddApiOptions(command);
        CliApp.SetHandler(command, shared, host, async context =>
        {
            var webhookId = Formats.Id(context.Get(id), "<id>");
            var (client, _) = context.CreateClient();
            await context.Output.WaitAsync("Deleting the webhook", async () =>
            {
                await client.DeleteWebhookAsync(webhookId, context.CancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);

            if (context.Output.Json)
            {
                context.Output.WriteJson(new DeletedWebhookJson(webhookId, true), CliJson.Context.DeletedWebhookJson);
            }
            else
            {
                context.Output.Result($"Deleted webhook {webhookId}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

internal static class OptionExtensions
{
    public static Option<T> AcceptCompletions<T>(this Option<T> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        return option;
    }
}

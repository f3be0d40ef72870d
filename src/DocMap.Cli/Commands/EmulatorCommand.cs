using System.CommandLine;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;
using DocMap.Client.Testing;

namespace DocMap.Cli.Commands;

/// <summary>
/// <c>docmap emulator [--webhook URL [--event E]...]</c>: runs the DocMap emulator (DocMap.Client.Testing) on a free
/// loopback port until Ctrl+C, and prints its URL and its API key (a throwaway key for this emulator only); with
/// <c>--webhook</c>, registers that webhook and prints its secret so an app can be tested at once.
/// </summary>
/// <remarks>
/// Only what <see cref="DocMapEmulator"/> offers is exposed: it picks its port and key itself and mints each webhook's
/// secret. <c>--port</c>, <c>--api-key</c> and <c>--secret</c> come with the emulator's options for them.
/// </remarks>
internal static class EmulatorCommand
{
    public static Command Create(SharedOptions shared, CliHost host)
    {
        var webhook = new Option<string>("--webhook")
        {
            Description = "Register a webhook for this URL at start-up (your app's receiver) and print its secret.",
            HelpName = "url",
        };
        var events = WebhooksCommands.EventOption("With --webhook: an event to subscribe to (repeat for several) [default: both].");
        var command = new Command(
            "emulator",
            "Run the DocMap emulator (DocMap's webhooks API, in memory, on 127.0.0.1) until Ctrl+C; print its URL and API key.");
        command.Options.Add(webhook);
        command.Options.Add(events);
        command.Validators.Add(result =>
        {
            if (result.GetResult(events) is not null && result.GetResult(webhook) is null)
            {
                result.AddError("--event only applies with --webhook.");
            }
        });

        CliApp.SetHandler(command, shared, host, async context =>
        {
            CreateWebhookRequest? request = null;
            if (context.Get(webhook) is { } url)
            {
                request = new CreateWebhookRequest(Formats.WebhookUrl(url, "--webhook"), Formats.Events(context.Get(events)));
            }

            var output = context.Output;
            var emulator = DocMapEmulator.Start();
            await using (emulator.ConfigureAwait(false))
            {
                CreateWebhookResult? created = null;
                if (request is not null)
                {
                    created = (await emulator.CreateClient().CreateWebhookAsync(request, context.CancellationToken).ConfigureAwait(false)).Data;
                }

                if (output.Json)
                {
                    output.WriteJson(
                        new EmulatorStartedJson(
                            emulator.Url.AbsoluteUri,
                            emulator.ApiKey,
                            emulator.UserId,
                            created is null ? null : new CreatedWebhookJson(WebhookJson.From(created.Webhook), created.Secret, null)),
                        CliJson.Context.EmulatorStartedJson);
                }
                else
                {
                    output.Result($"DocMap emulator listening on {emulator.Url.AbsoluteUri}");
                    output.Result($"API key: {emulator.ApiKey}   (accepted by this emulator only)");
                    output.Result($"  export {SharedOptions.BaseUrlVariable}={emulator.Url.AbsoluteUri}");
                    output.Result($"  export {SharedOptions.ApiKeyVariable}={emulator.ApiKey}");
                    if (created is not null)
                    {
                        output.Result($"Webhook {created.Webhook.Id} -> {CliOutput.Cell(created.Webhook.Url)} ({string.Join(", ", created.Webhook.Events)})");
                        output.Result($"Secret: {created.Secret}   (configure your receiver with it, e.g. DocMap__Webhooks__Secrets__0)");
                    }
                }

                output.Flush();
                output.Info("Press Ctrl+C to stop the emulator. State lives in memory and ends with it.");
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                output.Info("Stopping the emulator.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

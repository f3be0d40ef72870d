using System.CommandLine;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DocMap.Cli.Infrastructure;
using DocMap.Cli.Output;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Testing;

namespace DocMap.Cli.Commands;

/// <summary>
/// <c>docmap emulator [--port P] [--api-key K] [--webhook URL [--secret S] [--event E]...] [--signature-header H]
/// [--key-derivation utf8|hex] [--sha256-prefix]</c>: runs the DocMap emulator (<see cref="DocMapEmulator"/>) on
/// 127.0.0.1 until Ctrl+C or SIGTERM, and prints its URL and API key; with <c>--webhook</c>, registers that webhook
/// (with the secret given, or a fresh one that is then printed) so an app can be tested at once.
/// </summary>
/// <remarks>
/// <para>
/// Every option maps onto <see cref="DocMapEmulatorOptions"/> or <see cref="DocMapEmulator.RegisterWebhook"/> and is
/// validated by them, not by rules of the tool's own: <see cref="DocMapEmulator.Start"/>'s
/// <see cref="ArgumentException"/> (port range, API key shape, header name) and <c>RegisterWebhook</c>'s (URL, events)
/// become exit 2 with the library's message, the setting's name replaced by the option's. A secret is checked with
/// <see cref="WebhookSecret.TryParse"/>. Neither a key nor a secret is ever echoed in an error.
/// </para>
/// <para>
/// The API key is printed on standard output when the emulator made it up (that key is the command's result: a
/// throwaway key the user asked for by asking for an emulator, needed to use it); one given with <c>--api-key</c> is not
/// echoed (the user has it, and it may be a key used elsewhere): the text says so and <c>--json</c> has
/// <c>"apiKey": null</c>. Likewise a webhook secret: printed when minted here, not when given with <c>--secret</c>.
/// <c>DOCMAP_API_KEY</c> and <c>DOCMAP_WEBHOOK_SECRET</c> are not read: they usually hold the user's real DocMap
/// credentials, which an emulator must not silently adopt.
/// </para>
/// <para>A port already in use is exit 1 (kind <c>portInUse</c>): nothing is wrong with the command line.</para>
/// </remarks>
internal static partial class EmulatorCommand
{
    public static Command Create(SharedOptions shared, CliHost host)
    {
        var port = new Option<int>("--port")
        {
            Description = "The TCP port on 127.0.0.1 to listen on [default: 0, a free port].",
            HelpName = "port",
        };
        var apiKey = new Option<string>("--api-key")
        {
            Description = "The API key the emulator accepts [default: a new dm_test_… key, printed]. Not read from $DOCMAP_API_KEY.",
            HelpName = "key",
        };
        var webhook = new Option<string>("--webhook")
        {
            Description = "Register a webhook for this URL at start-up (your app's receiver).",
            HelpName = "url",
        };
        var secret = new Option<string>("--secret")
        {
            Description = "With --webhook: the webhook's secret, 64 hex characters (your receiver's configured secret) [default: a new one, printed].",
            HelpName = "secret",
        };
        var events = WebhooksCommands.EventOption("With --webhook: an event to subscribe to (repeat for several) [default: both].");
        var headerName = new Option<string>("--signature-header")
        {
            Description = $"The header deliveries carry their signature in [default: {WebhookSignatureOptions.DefaultHeaderName}].",
            HelpName = "name",
        };
        var keyDerivation = SignatureCommands.KeyDerivationOption(
            "How deliveries' HMAC key comes from the secret: utf8 (its text; DocMap's default) or hex (its 32 decoded bytes).");
        var prefix = new Option<bool>("--sha256-prefix")
        {
            Description = "Send the signature as sha256=<hex> instead of the bare hex.",
        };

        var command = new Command(
            "emulator",
            "Run the DocMap emulator (DocMap's webhooks API, in memory, on 127.0.0.1) until Ctrl+C; print its URL and API key.");
        command.Options.Add(port);
        command.Options.Add(apiKey);
        command.Options.Add(webhook);
        command.Options.Add(secret);
        command.Options.Add(events);
        command.Options.Add(headerName);
        command.Options.Add(keyDerivation);
        command.Options.Add(prefix);
        command.Validators.Add(result =>
        {
            if (result.GetResult(webhook) is null)
            {
                if (result.GetResult(events) is not null)
                {
                    result.AddError("--event only applies with --webhook.");
                }

                if (result.GetResult(secret) is not null)
                {
                    result.AddError("--secret only applies with --webhook.");
                }
            }
        });

        CliApp.SetHandler(command, shared, host, async context =>
        {
            var output = context.Output;
            var chosenKey = context.Get(apiKey);
            var chosenSecret = context.Get(secret);
            output.Redactor.Add(chosenKey);
            output.Redactor.Add(chosenSecret);

            WebhookSecret? givenSecret = null;
            if (chosenSecret is not null && (!WebhookSecret.TryParse(chosenSecret, out givenSecret) || givenSecret is null))
            {
                var hint = chosenSecret.Trim().Length != chosenSecret.Length ? " (remove the surrounding white space or newline)" : string.Empty;
                throw new CliUsageException($"--secret must be exactly 64 hexadecimal characters; the value given has {chosenSecret.Length} characters{hint}.");
            }

            string? url = null;
            WebhookEventType[] eventTypes = [];
            if (context.Get(webhook) is { } given)
            {
                url = Formats.WebhookUrl(given, "--webhook");
                eventTypes = Formats.Events(context.Get(events));
            }

            if (chosenKey is not null && chosenKey.StartsWith("dm_live_", StringComparison.Ordinal))
            {
                output.Warn("--api-key looks like a live DocMap key (dm_live_…); the emulator needs none of yours: leave --api-key out or give it a made-up one.");
            }

            var options = new DocMapEmulatorOptions
            {
                Port = context.Get(port),
                ApiKey = chosenKey,
                SignatureHeaderName = context.Get(headerName) ?? WebhookSignatureOptions.DefaultHeaderName,
                SignatureKeyDerivation = context.Get(keyDerivation) ?? WebhookKeyDerivation.Utf8Text,
                SignatureSha256Prefix = context.Get(prefix),
            };
            var emulator = Start(options, output.Redactor);
            await using (emulator.ConfigureAwait(false))
            {
                CreatedWebhookJson? created = null;
                if (url is not null)
                {
                    created = await RegisterAsync(emulator, url, eventTypes, givenSecret, output.Redactor, context.CancellationToken).ConfigureAwait(false);
                }

                var signature = new EmulatorSignatureJson(
                    options.SignatureHeaderName,
                    SignatureDiagnosis.Name(options.SignatureKeyDerivation),
                    options.SignatureSha256Prefix ? "sha256=" : string.Empty);
                try
                {
                    if (output.Json)
                    {
                        output.WriteJson(
                            new EmulatorStartedJson(emulator.Url.AbsoluteUri, chosenKey is null ? emulator.ApiKey : null, emulator.UserId, created, signature),
                            CliJson.Context.EmulatorStartedJson);
                    }
                    else
                    {
                        PrintText(output, emulator, chosenKey is not null, created, signature);
                    }

                    output.Flush();
                }
                catch (OutputClosedException)
                {
                    // `docmap emulator | head -1`: the reader has the lines it wanted. Serving is this command's job, so it
                    // goes on until Ctrl+C, as it would had the reader stayed.
                    output.Debug("standard output was closed; the emulator keeps running");
                }

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

    private static DocMapEmulator Start(DocMapEmulatorOptions options, Redactor redactor)
    {
        try
        {
            return DocMapEmulator.Start(options);
        }
        catch (ArgumentException ex)
        {
            // The library's rule and message, with the option's name for the setting's. Its messages never hold the key.
            throw new CliUsageException(redactor.Redact(OptionNames().Replace(LibraryMessage(ex), m => OptionName(m.Groups[1].Value))));
        }
        catch (IOException ex) when (IsAddressInUse(ex))
        {
            throw new CliFailureException(
                $"Port {options.Port} on 127.0.0.1 is already in use: stop what listens there, pick another --port, or leave --port out for a free one.",
                "portInUse");
        }
        catch (IOException ex)
        {
            throw new CliFailureException($"Could not listen on 127.0.0.1:{options.Port}: {redactor.Redact(ex.Message)}", "io");
        }
    }

    private static async Task<CreatedWebhookJson> RegisterAsync(
        DocMapEmulator emulator,
        string url,
        WebhookEventType[] events,
        WebhookSecret? givenSecret,
        Redactor redactor,
        CancellationToken cancellationToken)
    {
        // Without --secret the tool mints the secret (as the emulator would) so that it can print it.
        var minted = givenSecret is null ? RandomNumberGenerator.GetHexString(64, lowercase: true) : null;
        string id;
        try
        {
            id = emulator.RegisterWebhook(url, givenSecret ?? WebhookSecret.Parse(minted!), events);
        }
        catch (ArgumentException ex)
        {
            var message = LibraryMessage(ex);
            message = ex.ParamName == "url"
                ? Regex.Replace(message, "^url ", "--webhook ", RegexOptions.CultureInvariant)
                : EventIndex().Replace(message, m => $"--event '{CliOutput.Cell(events[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)].ToString())}'");
            throw new CliUsageException(redactor.Redact(message));
        }

        // The webhook as the API shows it (GET /v1/webhooks), so the JSON is the same as webhooks create's.
        var listed = (await emulator.CreateClient().ListWebhooksAsync(cancellationToken).ConfigureAwait(false)).Data;
        var registered = listed.Single(w => string.Equals(w.Id, id, StringComparison.Ordinal));
        return new CreatedWebhookJson(WebhookJson.From(registered), minted, null);
    }

    private static void PrintText(CliOutput output, DocMapEmulator emulator, bool keyWasGiven, CreatedWebhookJson? created, EmulatorSignatureJson signature)
    {
        output.Result($"DocMap emulator listening on {emulator.Url.AbsoluteUri}");
        output.Result(keyWasGiven
            ? "API key: the one given with --api-key (not repeated here)"
            : $"API key: {emulator.ApiKey}   (accepted by this emulator only)");
        output.Result($"  export {SharedOptions.BaseUrlVariable}={emulator.Url.AbsoluteUri}");
        if (!keyWasGiven)
        {
            output.Result($"  export {SharedOptions.ApiKeyVariable}={emulator.ApiKey}");
        }

        output.Result($"Signing: header {signature.HeaderName}, key {(signature.KeyDerivation == "hexDecoded" ? "hex-decoded secret" : "secret as UTF-8 text")}, " +
                      (signature.Prefix.Length == 0 ? "bare hex" : "sha256=<hex>"));
        if (created is not null)
        {
            output.Result($"Webhook {created.Webhook.Id} -> {CliOutput.Cell(created.Webhook.Url)} ({string.Join(", ", created.Webhook.Events)})");
            output.Result(created.Secret is null
                ? "Secret: the one given with --secret (not repeated here)"
                : $"Secret: {created.Secret}   (configure your receiver with it, e.g. DocMap__Webhooks__Secrets__0)");
        }
    }

    /// <summary>An <see cref="ArgumentException"/>'s own text: without " (Parameter '…')" and the "Actual value was" line.</summary>
    private static string LibraryMessage(ArgumentException ex)
    {
        var message = ex.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0)
        {
            message = message[..newline].TrimEnd('\r');
        }

        return ex.ParamName is { } name ? message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : message;
    }

    private static string OptionName(string setting) => setting switch
    {
        nameof(DocMapEmulatorOptions.Port) => "--port",
        nameof(DocMapEmulatorOptions.ApiKey) => "--api-key",
        nameof(DocMapEmulatorOptions.SignatureHeaderName) => "--signature-header",
        nameof(DocMapEmulatorOptions.SignatureKeyDerivation) => "--key-derivation",
        _ => "DocMapEmulatorOptions." + setting, // a setting the tool does not expose: named as the library names it
    };

    private static bool IsAddressInUse(Exception ex)
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } ||
                current.GetType().Name == "AddressInUseException")
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"DocMapEmulatorOptions\.(\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex OptionNames();

    [GeneratedRegex(@"events\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex EventIndex();
}

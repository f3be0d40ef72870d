using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Testing;

namespace DocMap.Samples.Quickstart;

/// <summary>
/// The quickstart: with an API key it talks to DocMap; without one it runs the whole SDK locally on the emulator
/// (register a webhook, receive and verify signed deliveries in ASP.NET Core, read the delivery log).
/// </summary>
public static class QuickstartFlow
{
    /// <summary>Exit code: everything worked.</summary>
    public const int Success = 0;

    /// <summary>Exit code: DocMap refused a call or could not be reached.</summary>
    public const int ApiFailure = 1;

    /// <summary>Exit code: the command line was not understood.</summary>
    public const int UsageError = 2;

    /// <summary>Where the quickstart's receiver listens for deliveries.</summary>
    public const string WebhookPath = "/webhooks/docmap";

    private const string Usage =
        """
        Usage:
          dotnet run --project samples/DocMap.Samples.Quickstart                       run everything locally on the DocMap emulator
          DOCMAP_API_KEY=dm_live_... dotnet run --project samples/DocMap.Samples.Quickstart
                                                                                       list your webhooks and recent deliveries
          DOCMAP_API_KEY=dm_live_... dotnet run --project samples/DocMap.Samples.Quickstart -- create <url> [event ...]
                                                                                       register a webhook (events default to
                                                                                       extraction.completed extraction.failed)
        Optional: DOCMAP_BASE_URL overrides https://api.docmap.io.
        """;

    /// <summary>Runs the quickstart as <c>Program</c> does.</summary>
    /// <param name="args">The command line: nothing, or <c>create &lt;url&gt; [event ...]</c> (with an API key).</param>
    /// <param name="apiKey">The DocMap API key, or <see langword="null"/>/empty to run on the emulator.</param>
    /// <param name="baseAddress">DocMap's address, or <see langword="null"/> for the production API.</param>
    /// <param name="output">Where to write what happens.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, string? apiKey, Uri? baseAddress, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output);

        if (string.IsNullOrWhiteSpace(apiKey))
        {
            if (args.Length > 0)
            {
                output.WriteLine("Commands need your DocMap account: set DOCMAP_API_KEY first.");
                output.WriteLine(Usage);
                return UsageError;
            }

            return (await RunOnEmulatorAsync(output, cancellationToken).ConfigureAwait(false)).ExitCode;
        }

        IDocMapApi client;
        try
        {
            client = DocMapClient.Create(apiKey, new DocMapClientOptions { BaseAddress = baseAddress ?? DocMapClientOptions.DefaultBaseAddress });
        }
        catch (ArgumentException ex)
        {
            output.WriteLine($"Invalid settings: {ex.Message}");
            return UsageError;
        }

        output.WriteLine($"DocMap quickstart: using your DocMap account at {baseAddress ?? DocMapClientOptions.DefaultBaseAddress} (DOCMAP_API_KEY is set).");
        output.WriteLine();
        return await RunAgainstApiAsync(client, args, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Works with a DocMap account: with <c>create &lt;url&gt; [event ...]</c> registers a webhook and prints its secret
    /// once; then lists the webhooks and the recent deliveries. Nothing is created without the command.
    /// </summary>
    /// <param name="client">A client for the account.</param>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAgainstApiAsync(IDocMapApi client, string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);

        CreateWebhookRequest? create = null;
        if (args.Length > 0)
        {
            if (!string.Equals(args[0], "create", StringComparison.OrdinalIgnoreCase) || args.Length < 2 ||
                args.Skip(1).Any(string.IsNullOrWhiteSpace))
            {
                output.WriteLine(Usage);
                return UsageError;
            }

            var events = args.Length > 2
                ? args.Skip(2).Select(e => new WebhookEventType(e)).ToArray()
                : [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed];
            create = new CreateWebhookRequest(args[1], events);
        }

        try
        {
            if (create is not null)
            {
                output.WriteLine($"Registering a webhook for {create.Url} (POST /v1/webhooks)...");
                var created = (await client.CreateWebhookAsync(create, cancellationToken).ConfigureAwait(false)).Data;
                output.WriteLine($"  Created {created.Webhook.Id} for {string.Join(", ", created.Webhook.Events)}.");
                PrintSecretOnce(output, created.Secret);
                output.WriteLine();
            }

            var webhooks = (await client.ListWebhooksAsync(cancellationToken).ConfigureAwait(false)).Data;
            output.WriteLine($"Your webhooks (GET /v1/webhooks): {webhooks.Count}");
            foreach (var webhook in webhooks)
            {
                output.WriteLine(
                    $"  {webhook.Id}  {webhook.Url}  [{string.Join(", ", webhook.Events)}]  {(webhook.Active ? "active" : "inactive")}  " +
                    $"created {webhook.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
            }

            output.WriteLine();
            var deliveries = (await client.ListDeliveriesAsync(limit: 20, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
            output.WriteLine($"Recent deliveries, newest first (GET /v1/webhooks/deliveries?limit=20): {deliveries.Count}");
            PrintDeliveryTable(output, deliveries);

            if (create is null)
            {
                output.WriteLine();
                output.WriteLine("To register a webhook: dotnet run --project samples/DocMap.Samples.Quickstart -- create https://your.app/webhooks/docmap");
            }

            PrintToolPointer(output);
            return Success;
        }
        catch (ArgumentException ex)
        {
            output.WriteLine($"Not sent: {ex.Message}");
            output.WriteLine(Usage);
            return UsageError;
        }
        catch (DocMapApiException ex)
        {
            output.WriteLine($"DocMap refused the call: HTTP {(int)ex.StatusCode} {ex.ErrorCode ?? "(no error code)"}: {ex.ServerMessage ?? ex.Message}");
            return ApiFailure;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
        {
            output.WriteLine($"Could not reach DocMap: {ex.Message}");
            return ApiFailure;
        }
    }

    /// <summary>
    /// The local walkthrough: starts the DocMap emulator, registers a webhook for a receiver on 127.0.0.1, starts that
    /// receiver (<c>AddDocMapWebhooks</c> + <c>MapDocMapWebhooks</c>), triggers <c>extraction.completed</c> and
    /// <c>extraction.failed</c>, shows a forged delivery being refused, and prints the delivery log.
    /// </summary>
    /// <param name="output">Where to write what happens, step by step.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>What happened, for tests; <see cref="EmulatorRunResult.ExitCode"/> is the process exit code.</returns>
    public static async Task<EmulatorRunResult> RunOnEmulatorAsync(TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output);
        var handled = new ConcurrentQueue<HandledEvent>();

        output.WriteLine("DocMap quickstart: DOCMAP_API_KEY is not set, so everything runs locally on the DocMap emulator.");
        output.WriteLine("(Set DOCMAP_API_KEY to talk to your real DocMap account instead.)");

        Step(output, 1, "Start the DocMap emulator (an in-process copy of DocMap's webhooks API)");
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        output.WriteLine($"   DocMap API at {emulator.Url} accepting API key {emulator.ApiKey[..8]}... (a throwaway test key)");

        Step(output, 2, "Register a webhook (POST /v1/webhooks), as your app would do once");
        CreateWebhookResult created;
        WebApplicationReceiver receiver;
        for (var attempt = 1; ; attempt++)
        {
            var port = FindFreeLoopbackPort();
            var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{WebhookPath}";
            created = (await client.CreateWebhookAsync(
                new CreateWebhookRequest(url, [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]),
                cancellationToken).ConfigureAwait(false)).Data;
            try
            {
                receiver = await WebApplicationReceiver.StartAsync(port, created.Secret, output, handled, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (IOException) when (attempt < 3)
            {
                // Another process took the port between our check and the receiver's bind: register a new address.
                await client.DeleteWebhookAsync(created.Webhook.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        await using (receiver.ConfigureAwait(false))
        {
            output.WriteLine($"   Webhook {created.Webhook.Id} -> {created.Webhook.Url}");
            output.WriteLine($"   Events: {string.Join(", ", created.Webhook.Events)}");
            PrintSecretOnce(output, created.Secret);

            Step(output, 3, "Start your receiver with that secret (ASP.NET Core, 127.0.0.1)");
            output.WriteLine("   builder.Services.AddDocMapWebhooks(o => o.Secrets.Add(secret));");
            output.WriteLine($"   app.MapDocMapWebhooks(\"{WebhookPath}\", (WebhookEvent e) => ...);");
            output.WriteLine($"   Listening on {created.Webhook.Url}");

            Step(output, 4, "An extraction completes: DocMap POSTs a signed extraction.completed");
            var completed = await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, cancellationToken: cancellationToken).ConfigureAwait(false);
            PrintAttempts(output, completed);

            Step(output, 5, "An extraction fails: DocMap POSTs a signed extraction.failed");
            var failed = await emulator.TriggerAsync(WebhookEventType.ExtractionFailed, cancellationToken: cancellationToken).ConfigureAwait(false);
            PrintAttempts(output, failed);

            Step(output, 6, "Someone without the secret forges a delivery");
            var forged = await receiver.PostForgedAsync(completed.FirstOrDefault()?.Payload ?? "{}", cancellationToken).ConfigureAwait(false);
            output.WriteLine($"   receiver answered {(int)forged} {forged}; your handler was not called ({handled.Count} events handled so far)");

            Step(output, 7, "Read the delivery log (GET /v1/webhooks/deliveries)");
            var log = (await client.ListDeliveriesAsync(created.Webhook.Id, 10, cancellationToken).ConfigureAwait(false)).Data;
            PrintDeliveryTable(output, log);

            await client.DeleteWebhookAsync(created.Webhook.Id, cancellationToken).ConfigureAwait(false);

            var successes = log.Count(d => d.Status == DeliveryStatus.Success);
            var ok = handled.Count == 2 && successes == 2 && forged == HttpStatusCode.Unauthorized;
            output.WriteLine();
            output.WriteLine(ok
                ? "Done: both deliveries were signed by DocMap, verified by your receiver and handled; the forgery was refused."
                : $"Something went wrong: {handled.Count} events handled, {successes} successful deliveries, forgery answered {(int)forged}.");
            output.WriteLine("Next: test your own receiver against DocMapEmulator (docs/emulator.md; dotnet new docmap-receiver gives you one with its tests), then set DOCMAP_API_KEY and run this again.");
            PrintToolPointer(output);

            return new EmulatorRunResult(ok ? Success : ApiFailure, [.. handled], log, forged);
        }
    }

    /// <summary>
    /// The quickstart's last lines: the same operations from a terminal, with the <c>docmap</c> tool (docs/cli.md).
    /// Each command shown is a valid <c>docmap</c> command line (the CLI's tests parse them).
    /// </summary>
    public static IReadOnlyList<(string Command, string What)> ToolCommands { get; } =
    [
        ("dotnet tool install -g DocMap.Cli", "install the docmap command"),
        ("docmap webhooks list", "your webhooks (DOCMAP_API_KEY set)"),
        ("docmap webhooks create https://your.app/webhooks/docmap --secret-file docmap-secret", "register one; its secret goes to an owner-only file"),
        ("docmap deliveries --watch", "follow the delivery log as deliveries happen"),
        ("docmap verify --diagnose --signature \"$SIGNATURE\" --body-file body.json", "a delivery that does not verify: which setting fixes it"),
        ("docmap emulator", "this emulator on its own, for an app in any language"),
    ];

    private static void PrintToolPointer(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("The same from a terminal, with the docmap tool (docs/cli.md):");
        var width = ToolCommands.Max(c => c.Command.Length);
        foreach (var (command, what) in ToolCommands)
        {
            output.WriteLine($"  {command.PadRight(width)}  # {what}");
        }
    }

    private static void Step(TextWriter output, int number, string title)
    {
        output.WriteLine();
        output.WriteLine($"Step {number.ToString(CultureInfo.InvariantCulture)}. {title}");
    }

    private static void PrintSecretOnce(TextWriter output, string secret)
    {
        output.WriteLine($"   Secret: {secret}");
        output.WriteLine("   ! DocMap shows this secret only once, now. Store it where your receiver reads it, for example");
        output.WriteLine("     DocMap__Webhooks__Secrets__0 (environment) or DocMap:Webhooks:Secrets:0 (configuration).");
        output.WriteLine("     Lost it? Delete the webhook and create a new one.");
    }

    private static void PrintAttempts(TextWriter output, IReadOnlyList<EmulatedDelivery> attempts)
    {
        foreach (var attempt in attempts)
        {
            output.WriteLine(attempt.Succeeded
                ? $"   DocMap: delivered to {attempt.WebhookId}, HTTP {attempt.HttpStatus} in {FormatDuration(attempt.Duration.TotalMilliseconds)}"
                : $"   DocMap: delivery to {attempt.WebhookId} failed: {(attempt.HttpStatus is { } status ? "HTTP " + status.ToString(CultureInfo.InvariantCulture) : attempt.Error)}");
        }
    }

    /// <summary>Prints deliveries as a table: event, status, HTTP status, duration, time, and the error of a failed one.</summary>
    private static void PrintDeliveryTable(TextWriter output, IReadOnlyList<WebhookDelivery> deliveries)
    {
        if (deliveries.Count == 0)
        {
            output.WriteLine("   (none yet)");
            return;
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"   {"Event",-22} {"Status",-8} {"HTTP",4} {"Duration",9}  {"When (UTC)",-19}  Error");
        table.AppendLine(CultureInfo.InvariantCulture, $"   {new string('-', 22)} {new string('-', 8)} {new string('-', 4)} {new string('-', 9)}  {new string('-', 19)}  -----");
        foreach (var d in deliveries)
        {
            var http = d.HttpStatus?.ToString(CultureInfo.InvariantCulture) ?? "-";
            var when = d.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            table.AppendLine($"   {d.Event,-22} {d.Status,-8} {http,4} {FormatDuration(d.DurationMs),9}  {when,-19}  {d.Error}".TrimEnd());
        }

        output.Write(table.ToString());
    }

    private static string FormatDuration(double milliseconds) =>
        milliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>
    /// A free port on 127.0.0.1. The webhook's URL must be known before the receiver starts (DocMap needs it to create
    /// the webhook, and the receiver needs the secret the creation returns), as with a real deployment's fixed address.
    /// </summary>
    private static int FindFreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What the local walkthrough did.</summary>
/// <param name="ExitCode">0 when both deliveries were verified and handled, the log shows two successes and the forgery got 401.</param>
/// <param name="Handled">The events the receiver's handler got, in order.</param>
/// <param name="DeliveryLog">The delivery log as the client read it, newest first.</param>
/// <param name="ForgedDeliveryStatus">What the receiver answered to a delivery with a wrong signature.</param>
public sealed record EmulatorRunResult(
    int ExitCode,
    IReadOnlyList<HandledEvent> Handled,
    IReadOnlyList<WebhookDelivery> DeliveryLog,
    HttpStatusCode ForgedDeliveryStatus);

/// <summary>An event the receiver's handler was called with, after its signature verified.</summary>
/// <param name="Type">The event type.</param>
/// <param name="ExtractionId">The extraction id.</param>
/// <param name="SecretFingerprint">The fingerprint of the secret the signature verified with (never the secret).</param>
public sealed record HandledEvent(WebhookEventType Type, string? ExtractionId, string SecretFingerprint);

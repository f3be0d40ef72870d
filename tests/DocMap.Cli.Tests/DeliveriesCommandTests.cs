using System.Text.Json;
using DocMap.Cli.Commands;
using DocMap.Cli.Infrastructure;
using DocMap.Client;
using DocMap.Client.Testing;

namespace DocMap.Cli.Tests;

/// <summary><c>docmap deliveries</c>: the table, the filters, JSON, and <c>--watch</c>.</summary>
public sealed class DeliveriesCommandTests
{
    [Fact]
    public async Task The_log_is_a_table_newest_first_with_status_http_and_duration()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        var ok = (await client.CreateWebhookAsync(new CreateWebhookRequest(receiver.Ok, [WebhookEventType.ExtractionCompleted]))).Data.Webhook;
        var failing = (await client.CreateWebhookAsync(new CreateWebhookRequest(receiver.Fail, [WebhookEventType.ExtractionFailed]))).Data.Webhook;
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        await emulator.TriggerAsync(WebhookEventType.ExtractionFailed);

        var run = await CliRunner.ForEmulator(emulator).RunAsync("deliveries");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^CREATED \(UTC\)\s+ID\s+WEBHOOK\s+EVENT\s+STATUS\s+HTTP\s+DURATION\s+EXTRACTION\s+ERROR$", lines[0]);
        Assert.Matches($@"\s{failing.Id}\s+extraction\.failed\s+failed\s+500\s+\d+ ms\s+ext_", lines[1]); // newest first
        Assert.Matches($@"\s{ok.Id}\s+extraction\.completed\s+success\s+200\s+\d+ ms\s+ext_\S+\s+-$", lines[2]);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Json_lists_deliveries_in_the_documented_schema_and_failed_filters()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        var client = emulator.CreateClient();
        await client.CreateWebhookAsync(new CreateWebhookRequest(receiver.Ok, [WebhookEventType.ExtractionCompleted]));
        var failing = (await client.CreateWebhookAsync(new CreateWebhookRequest(WebhooksCommandTests.ClosedLoopbackPort() + "hook", [WebhookEventType.ExtractionCompleted]))).Data.Webhook;
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        var runner = CliRunner.ForEmulator(emulator);

        var all = await runner.RunAsync("deliveries", "--json");
        var failed = await runner.RunAsync("deliveries", "--json", "--failed");

        Assert.Equal(0, all.ExitCode);
        var deliveries = all.Json().GetProperty("deliveries");
        Assert.Equal(2, deliveries.GetArrayLength());
        foreach (var delivery in deliveries.EnumerateArray())
        {
            JsonSchema.AssertDelivery(delivery);
        }

        var onlyFailed = Assert.Single(failed.Json().GetProperty("deliveries").EnumerateArray());
        Assert.Equal(failing.Id, onlyFailed.GetProperty("webhookId").GetString());
        Assert.Equal("failed", onlyFailed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, onlyFailed.GetProperty("httpStatus").ValueKind); // no response: the port was closed
        Assert.Equal(JsonValueKind.String, onlyFailed.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Webhook_and_limit_are_sent_to_DocMap()
    {
        await using var emulator = DocMapEmulator.Start();
        var runner = CliRunner.ForEmulator(emulator);

        var run = await runner.RunAsync("deliveries", "--webhook", "wh_abc", "--limit", "7");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("No deliveries yet.\n", run.Stdout);
        var request = Assert.Single(emulator.Requests);
        Assert.Contains("webhookId=wh_abc", request.Path, StringComparison.Ordinal);
        Assert.Contains("limit=7", request.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_with_none_failing_says_how_many_were_looked_at()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest(receiver.Ok, [WebhookEventType.ExtractionCompleted]));
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);

        var run = await CliRunner.ForEmulator(emulator).RunAsync("deliveries", "--failed");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("No failed deliveries among the latest 1.\n", run.Stdout);
    }

    [Fact]
    public async Task Watch_prints_the_backlog_then_each_new_delivery_exactly_once_until_cancelled()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest(receiver.Ok, [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]));
        var backlog = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var runner = CliRunner.ForEmulator(emulator);
        using var stop = new CancellationTokenSource();

        var watching = runner.StartAsync(["deliveries", "--watch", "--interval", "1s"], stop.Token);
        await runner.WaitForStdoutAsync(text => text.Contains(backlog.Id, StringComparison.Ordinal), watching);
        var second = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));
        var third = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        await runner.WaitForStdoutAsync(text => text.Contains(third.Id, StringComparison.Ordinal) && text.Contains(second.Id, StringComparison.Ordinal), watching);

        // Let at least two more polls see the same page: nothing may be printed twice.
        var polls = emulator.GetRequestCount(DocMapEndpoint.ListDeliveries);
        await WaitUntilAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= polls + 2, watching);
        await stop.CancelAsync();
        var run = await watching;

        Assert.Equal(0, run.ExitCode); // Ctrl+C is how a watch ends
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Contains(backlog.Id, lines[0], StringComparison.Ordinal); // oldest first, like a log
        Assert.Contains(second.Id, lines[1], StringComparison.Ordinal);
        Assert.Contains(third.Id, lines[2], StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  success  200\s+\d+ ms  extraction\.failed\s+", lines[1]);
        Assert.Contains("Watching deliveries every 1s (Ctrl+C to stop).", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Stopped watching.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_with_json_prints_one_delivery_object_per_line()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        await emulator.CreateClient().CreateWebhookAsync(new CreateWebhookRequest(receiver.Ok, [WebhookEventType.ExtractionCompleted]));
        var runner = CliRunner.ForEmulator(emulator);
        using var stop = new CancellationTokenSource();

        var watching = runner.StartAsync(["deliveries", "--watch", "--interval", "1s", "--json"], stop.Token);
        await WaitUntilAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= 1, watching);
        var first = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var second = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        await runner.WaitForStdoutAsync(text => text.Contains(second.Id, StringComparison.Ordinal), watching);
        var polls = emulator.GetRequestCount(DocMapEndpoint.ListDeliveries);
        await WaitUntilAsync(() => emulator.GetRequestCount(DocMapEndpoint.ListDeliveries) >= polls + 2, watching);
        await stop.CancelAsync();
        var run = await watching;

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        var parsed = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(parsed, JsonSchema.AssertDelivery);
        Assert.Equal([first.Id, second.Id], parsed.Select(p => p.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Watch_rides_out_a_transient_failure_and_ends_with_exit_1_when_DocMap_refuses()
    {
        await using var emulator = DocMapEmulator.Start();
        var runner = CliRunner.ForEmulator(emulator);

        // 503 on every attempt of one poll (the client's retries included): a warning, and the watch goes on.
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 4, System.Net.HttpStatusCode.ServiceUnavailable);
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 1, System.Net.HttpStatusCode.Unauthorized, errorCode: "KEY_EXPIRED");
        var run = await runner.RunAsync("deliveries", "--watch", "--interval", "1s");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("warning: DocMap refused GET /v1/webhooks/deliveries: HTTP 503", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("trying again", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("error: DocMap refused GET /v1/webhooks/deliveries: HTTP 401 KEY_EXPIRED", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seen_ids_of_a_watch_are_bounded()
    {
        var seen = new SeenIds(capacity: 100);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(seen.Add("dlv_" + i));
            Assert.False(seen.Add("dlv_" + i));
            Assert.True(seen.Count <= 100);
        }

        // The most recent ids are still remembered; the oldest have been forgotten.
        Assert.False(seen.Add("dlv_9999"));
        Assert.False(seen.Add("dlv_9901"));
        Assert.True(seen.Add("dlv_0"));
        Assert.True(SeenIds.CapacityFor(DeliveriesCommand.MaxLimit) >= 10 * DeliveriesCommand.MaxLimit);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Task<CliRun> running)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (running.IsCompleted)
            {
                Assert.Fail("the command ended early: " + await running);
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }
}

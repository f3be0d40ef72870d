using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing.Tests;

public sealed partial class TriggerTests
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoMillisUtc();

    [Fact]
    public async Task A_delivery_is_signed_over_the_exact_bytes_and_verifies_at_a_real_receiver()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var (id, secret) = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        receiver.Expect("a", secret);

        var results = await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);

        var result = Assert.Single(results);
        Assert.True(result.Succeeded);
        Assert.Equal(200, result.HttpStatus);
        Assert.Null(result.Error);
        Assert.Equal(id, result.WebhookId);
        Assert.Equal(receiver.HookUrl("a"), result.Url);
        Assert.Equal(WebhookEventType.ExtractionCompleted, result.Event);

        var received = Assert.Single(receiver.Received);
        Assert.True(received.Verified);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal(result.Payload, Encoding.UTF8.GetString(received.Body));
        Assert.Equal(WebhookSigner.Sign(WebhookSecret.Parse(secret), received.Body), received.Signature);

        // The body has DocMap's shape, in this order, and the Signatures parser reads it.
        using var document = JsonDocument.Parse(received.Body);
        var root = document.RootElement;
        Assert.Equal(["event", "extractionId", "createdAt", "data"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("extraction.completed", root.GetProperty("event").GetString());
        Assert.Matches(IsoMillisUtc(), root.GetProperty("createdAt").GetString()!);
        var data = root.GetProperty("data");
        Assert.Equal(
            ["id", "userId", "templateId", "templateName", "fileName", "status", "extractedData", "error", "source", "runId", "processingTimeMs", "createdAt"],
            data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(root.GetProperty("extractionId").GetString(), data.GetProperty("id").GetString());
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.Equal(emulator.UserId, data.GetProperty("userId").GetString());
        Assert.Equal(JsonValueKind.Object, data.GetProperty("extractedData").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("error").ValueKind);

        var parsed = WebhookEvent.Parse(received.Body);
        Assert.Equal(WebhookEventType.ExtractionCompleted, parsed.Type);
        Assert.Equal(result.ExtractionId, parsed.ExtractionId);
        Assert.StartsWith("ext_", parsed.ExtractionId, StringComparison.Ordinal);
        Assert.Equal("Invoice", parsed.Extraction!.TemplateName);

        // The attempt is in the delivery log with every documented field.
        var log = (await api.ListDeliveriesAsync()).Data.EnumerateArray().ToArray();
        var entry = Assert.Single(log);
        Assert.Equal(result.Id, entry.GetProperty("id").GetString());
        Assert.Equal(emulator.UserId, entry.GetProperty("userId").GetString());
        Assert.Equal(id, entry.GetProperty("webhookId").GetString());
        Assert.Equal(result.ExtractionId, entry.GetProperty("extractionId").GetString());
        Assert.Equal("extraction.completed", entry.GetProperty("event").GetString());
        Assert.Equal(receiver.HookUrl("a"), entry.GetProperty("url").GetString());
        Assert.Equal("success", entry.GetProperty("status").GetString());
        Assert.Equal(200, entry.GetProperty("httpStatus").GetInt32());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("error").ValueKind);
        Assert.True(entry.GetProperty("durationMs").GetInt64() >= 0);
        Assert.Matches(IsoMillisUtc(), entry.GetProperty("createdAt").GetString()!);
    }

    [Fact]
    public async Task A_failed_event_goes_only_to_webhooks_subscribed_to_it()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var completedOnly = await api.CreateOkAsync(receiver.HookUrl("completed"), "extraction.completed");
        var failedOnly = await api.CreateOkAsync(receiver.HookUrl("failed"), "extraction.failed");
        var both = await api.CreateOkAsync(receiver.HookUrl("both"), "extraction.completed", "extraction.failed");
        receiver.Expect("completed", completedOnly.Secret);
        receiver.Expect("failed", failedOnly.Secret);
        receiver.Expect("both", both.Secret);

        var results = await emulator.TriggerAsync(WebhookEventType.ExtractionFailed);

        Assert.Equal([failedOnly.Id, both.Id], results.Select(r => r.WebhookId));
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Equal(["both", "failed"], receiver.Received.Select(r => r.Name).Order());
        Assert.All(receiver.Received, r => Assert.True(r.Verified, $"{r.Name} did not verify"));

        // Each webhook's body carries the same event, signed with that webhook's own secret.
        var bodies = receiver.Received.Select(r => Encoding.UTF8.GetString(r.Body)).Distinct().ToArray();
        Assert.Single(bodies);
        var parsed = WebhookEvent.Parse(bodies[0]);
        Assert.Equal(WebhookEventType.ExtractionFailed, parsed.Type);
        Assert.Equal("failed", parsed.Extraction!.Status);
        Assert.NotNull(parsed.Extraction.Error);
        Assert.Null(parsed.Extraction.ExtractedData);

        var log = await api.ListDeliveriesAsync("?webhookId=" + both.Id);
        Assert.Equal(1, log.Data.GetArrayLength());
    }

    [Fact]
    public async Task A_non_2xx_answer_is_recorded_as_failed_with_its_status()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.FailUrl, "extraction.completed");

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.False(result.Succeeded);
        Assert.Equal(500, result.HttpStatus);
        Assert.Null(result.Error);
        var entry = Assert.Single((await api.ListDeliveriesAsync()).Data.EnumerateArray());
        Assert.Equal("failed", entry.GetProperty("status").GetString());
        Assert.Equal(500, entry.GetProperty("httpStatus").GetInt32());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task A_wrong_signature_at_the_receiver_is_a_failed_delivery_with_401()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        receiver.Expect("a", new string('a', 64)); // not the webhook's secret

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.False(Assert.Single(receiver.Received).Verified);
        Assert.False(result.Succeeded);
        Assert.Equal(401, result.HttpStatus);
    }

    [Fact]
    public async Task A_closed_port_is_recorded_with_no_http_status_and_an_error()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(TestReceiver.ClosedPortUrl(), "extraction.completed");

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.False(result.Succeeded);
        Assert.Null(result.HttpStatus);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        var entry = Assert.Single((await api.ListDeliveriesAsync()).Data.EnumerateArray());
        Assert.Equal("failed", entry.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("httpStatus").ValueKind);
        Assert.Equal(result.Error, entry.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_recorded_as_timed_out()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var timeout = TimeSpan.FromMilliseconds(500);
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryTimeout = timeout });
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.SlowUrl, "extraction.completed");

        var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.False(result.Succeeded);
        Assert.Null(result.HttpStatus);
        Assert.Contains("Timed out", result.Error, StringComparison.Ordinal);
        Assert.True(result.Duration >= timeout - TimeSpan.FromMilliseconds(50), $"gave up after {result.Duration}");
        var entry = Assert.Single((await api.ListDeliveriesAsync()).Data.EnumerateArray());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("httpStatus").ValueKind);
        Assert.True(entry.GetProperty("durationMs").GetInt64() >= 450);
    }

    [Fact]
    public async Task The_callers_cancellation_surfaces_as_OperationCanceledException()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.SlowUrl, "extraction.completed");
        using var cts = new CancellationTokenSource();

        var trigger = emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, cancellationToken: cts.Token);
        await receiver.SlowRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trigger.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => emulator.TriggerAsync(WebhookEventType.ExtractionCompleted, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task A_given_extraction_is_sent_as_is_with_missing_ids_filled_in()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var (_, secret) = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        receiver.Expect("a", secret);
        using var extracted = JsonDocument.Parse("""{"total":12.5,"lines":[{"sku":"A1"}]}""");
        var createdAt = new DateTimeOffset(2025, 1, 20, 14, 30, 4, TimeSpan.Zero);

        var result = Assert.Single(await emulator.TriggerAsync(
            WebhookEventType.ExtractionCompleted,
            new ExtractionRecord
            {
                Id = "ext_custom",
                TemplateId = "tpl_receipts",
                TemplateName = "Receipts",
                FileName = "r.png",
                ExtractedData = extracted.RootElement.Clone(),
                Source = "email",
                RunId = "run_7",
                ProcessingTimeMs = 99,
                CreatedAt = createdAt,
            }));

        Assert.Equal("ext_custom", result.ExtractionId);
        var parsed = WebhookEvent.Parse(Assert.Single(receiver.Received).Body);
        Assert.Equal("ext_custom", parsed.ExtractionId);
        var x = parsed.Extraction!;
        Assert.Equal(("tpl_receipts", "Receipts", "r.png", "email", "run_7", 99L), (x.TemplateId, x.TemplateName, x.FileName, x.Source, x.RunId, x.ProcessingTimeMs));
        Assert.Equal(emulator.UserId, x.UserId);
        Assert.Equal("completed", x.Status);
        Assert.Equal(createdAt, x.CreatedAt);
        Assert.Contains("\"createdAt\":\"2025-01-20T14:30:04.000Z\"", result.Payload, StringComparison.Ordinal);
        Assert.Equal(12.5, x.ExtractedData!.Value.GetProperty("total").GetDouble());
        Assert.Equal("A1", x.ExtractedData.Value.GetProperty("lines")[0].GetProperty("sku").GetString());
    }

    [Fact]
    public async Task Nothing_is_sent_without_a_subscribed_webhook_and_deleted_webhooks_get_nothing()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        Assert.Empty(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        Assert.Empty(await emulator.TriggerAsync(new WebhookEventType("extraction.archived")));

        var (id, _) = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync(id)).Status);
        Assert.Empty(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

        Assert.Empty(receiver.Received);
        Assert.Equal(0, (await api.ListDeliveriesAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task The_delivery_log_is_newest_first_with_a_default_limit_of_50_and_filters()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var a = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        var b = await api.CreateOkAsync(receiver.HookUrl("b"), "extraction.failed");
        receiver.Expect("a", a.Secret);
        receiver.Expect("b", b.Secret);

        var extractionIds = new List<string>();
        for (var i = 0; i < 55; i++)
        {
            var results = await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
            extractionIds.Add(Assert.Single(results).ExtractionId);
        }

        var failed = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));

        var all = (await api.ListDeliveriesAsync()).Data.EnumerateArray().ToArray();
        Assert.Equal(50, all.Length);
        Assert.Equal(failed.ExtractionId, all[0].GetProperty("extractionId").GetString());
        Assert.Equal(
            extractionIds.AsEnumerable().Reverse().Take(49),
            all.Skip(1).Select(d => d.GetProperty("extractionId").GetString()!));

        var hundred = await api.ListDeliveriesAsync("?limit=100");
        Assert.Equal(56, hundred.Data.GetArrayLength());

        var three = (await api.ListDeliveriesAsync($"?webhookId={a.Id}&limit=3")).Data.EnumerateArray().ToArray();
        Assert.Equal(extractionIds.AsEnumerable().Reverse().Take(3), three.Select(d => d.GetProperty("extractionId").GetString()!));
        Assert.All(three, d => Assert.Equal(a.Id, d.GetProperty("webhookId").GetString()));

        var onlyB = (await api.ListDeliveriesAsync($"?webhookId={b.Id}")).Data.EnumerateArray().ToArray();
        Assert.Equal(failed.Id, Assert.Single(onlyB).GetProperty("id").GetString());

        Assert.Equal(0, (await api.ListDeliveriesAsync("?webhookId=wh_unknown")).Data.GetArrayLength());
        Assert.Equal(56, receiver.Received.Count(r => r.Verified));
    }

    [Fact]
    public async Task Deliveries_can_go_through_a_custom_handler_which_is_not_disposed()
    {
        using var handler = new RecordingHandler();
        await using (var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions { DeliveryHandlerFactory = () => handler }))
        {
            using var api = new EmulatorApi(emulator);
            var (_, secret) = await api.CreateOkAsync("http://localhost/webhooks/docmap", "extraction.completed");

            var result = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));

            Assert.Equal(202, result.HttpStatus);
            Assert.True(result.Succeeded);
            var (uri, body, signature) = Assert.Single(handler.Requests);
            Assert.Equal("http://localhost/webhooks/docmap", uri.ToString());
            Assert.True(new WebhookSignatureVerifier(WebhookSecret.Parse(secret)).Verify(body, signature).IsValid);
        }

        // Still usable after the emulator is gone.
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/x") { Content = new ByteArrayContent([]) };
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Concurrent_triggers_and_reads_keep_a_consistent_log()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var a = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed", "extraction.failed");
        var b = await api.CreateOkAsync(receiver.HookUrl("b"), "extraction.completed");
        receiver.Expect("a", a.Secret);
        receiver.Expect("b", b.Secret);

        var triggers = Enumerable.Range(0, 20).Select(i => Task.Run(() => emulator.TriggerAsync(
            i % 2 == 0 ? WebhookEventType.ExtractionCompleted : WebhookEventType.ExtractionFailed)));
        var reads = Enumerable.Range(0, 10).Select(_ => Task.Run(() => api.ListDeliveriesAsync("?limit=100")));
        var results = await Task.WhenAll(triggers);
        Assert.All(await Task.WhenAll(reads), r => Assert.Equal(HttpStatusCode.OK, r.Status));

        Assert.Equal(30, results.Sum(r => r.Count)); // 10 completed x 2 webhooks + 10 failed x 1
        Assert.All(results.SelectMany(r => r), r => Assert.True(r.Succeeded));
        Assert.Equal(30, receiver.Received.Count(r => r.Verified));
        var log = (await api.ListDeliveriesAsync("?limit=100")).Data.EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToArray();
        Assert.Equal(30, log.Distinct().Count());
        Assert.Equal(results.SelectMany(r => r).Select(r => r.Id).Order(), log.Order());
    }

    [Fact]
    public async Task TriggerAsync_rejects_the_default_event_type()
    {
        await using var emulator = DocMapEmulator.Start();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => emulator.TriggerAsync(default));
        Assert.Equal("eventType", ex.ParamName);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        private bool _disposed;

        public List<(Uri Uri, byte[] Body, string Signature)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var signature = request.Headers.TryGetValues(WebhookSignatureOptions.DefaultHeaderName, out var values) ? values.Single() : "";
            lock (Requests)
            {
                Requests.Add((request.RequestUri!, body, signature));
            }

            return new HttpResponseMessage(HttpStatusCode.Accepted);
        }

        protected override void Dispose(bool disposing)
        {
            _disposed = true;
            base.Dispose(disposing);
        }
    }
}

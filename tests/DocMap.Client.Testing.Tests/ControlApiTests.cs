using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DocMap.Client.Signatures;

namespace DocMap.Client.Testing.Tests;

/// <summary>The control API under /_emulator/ (docs/emulator.md), over real HTTP, as a non-.NET test suite drives it.</summary>
public sealed partial class ControlApiTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Hex64();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoMillisUtc();

    public static TheoryData<string, string> EveryCall => new()
    {
        { "GET", "_emulator" },
        { "POST", "_emulator/webhooks" },
        { "POST", "_emulator/trigger" },
        { "GET", "_emulator/deliveries" },
        { "GET", "_emulator/requests" },
        { "POST", "_emulator/faults" },
        { "POST", "_emulator/reset" },
        { "GET", "_emulator/unknown" },
    };

    [Theory]
    [MemberData(nameof(EveryCall))]
    public async Task Every_call_answers_401_UNAUTHORIZED_without_the_key_and_changes_nothing(string method, string path)
    {
        await using var emulator = DocMapEmulator.Start();
        using var good = new EmulatorApi(emulator);
        await good.CreateOkAsync("https://example.com/a", "extraction.completed");
        using var wrong = new EmulatorApi(emulator, "dm_test_" + new string('0', 64));
        using var none = new EmulatorApi(emulator);
        none.Http.DefaultRequestHeaders.Authorization = null;

        foreach (var api in new[] { wrong, none })
        {
            var response = await api.SendAsync(new HttpMethod(method), path, method == "POST" ? "{\"url\":\"https://example.com/b\",\"event\":\"extraction.completed\",\"endpoint\":\"listWebhooks\",\"count\":1,\"status\":503}" : null);
            Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
            Assert.Equal("UNAUTHORIZED", response.ErrorCode);
            Assert.Equal("application/json", response.MediaType);
        }

        // Nothing registered, triggered, injected or reset.
        var list = await good.ListWebhooksAsync();
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(1, list.Data.GetArrayLength());
        Assert.Empty(emulator.Deliveries);
    }

    [Fact]
    public async Task GET_emulator_says_what_it_is_with_its_url_user_and_signature_scheme()
    {
        await using var emulator = DocMapEmulator.Start(new DocMapEmulatorOptions
        {
            SignatureHeaderName = "X-Hook-Signature",
            SignatureKeyDerivation = WebhookKeyDerivation.HexDecoded,
            SignatureSha256Prefix = true,
        });
        await using var plain = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        using var plainApi = new EmulatorApi(plain);

        var info = await api.SendAsync(HttpMethod.Get, "_emulator");
        var plainInfo = await plainApi.SendAsync(HttpMethod.Get, "_emulator");

        Assert.Equal(HttpStatusCode.OK, info.Status);
        var data = info.Data;
        Assert.Equal("docmap-emulator", data.GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", data.GetProperty("version").GetString()!);
        Assert.DoesNotContain("+", data.GetProperty("version").GetString()!, StringComparison.Ordinal);
        Assert.Equal(emulator.Url.ToString(), data.GetProperty("url").GetString());
        Assert.Equal(emulator.UserId, data.GetProperty("userId").GetString());
        var signature = data.GetProperty("signature");
        Assert.Equal("X-Hook-Signature", signature.GetProperty("headerName").GetString());
        Assert.Equal("hexBytes", signature.GetProperty("keyDerivation").GetString());
        Assert.Equal("sha256=", signature.GetProperty("prefix").GetString());

        var defaults = plainInfo.Data.GetProperty("signature");
        Assert.Equal("X-DocMap-Signature", defaults.GetProperty("headerName").GetString());
        Assert.Equal("utf8Text", defaults.GetProperty("keyDerivation").GetString());
        Assert.Equal("", defaults.GetProperty("prefix").GetString());
        Assert.DoesNotContain(emulator.ApiKey, info.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task POST_webhooks_registers_with_the_given_secret_and_deliveries_verify_with_it()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        receiver.Expect("a", Secret);

        var created = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", $$$"""{"url":"{{{receiver.HookUrl("a")}}}","secret":"{{{Secret}}}","ignored":{"x":1}}""");

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(Secret, created.Data.GetProperty("secret").GetString());
        var webhook = created.Data.GetProperty("webhook");
        var id = webhook.GetProperty("id").GetString()!;
        Assert.StartsWith("wh_", id, StringComparison.Ordinal);
        Assert.Equal(emulator.UserId, webhook.GetProperty("userId").GetString());
        Assert.Equal(receiver.HookUrl("a"), webhook.GetProperty("url").GetString());
        Assert.Equal(["extraction.completed", "extraction.failed"], webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()!)); // default: both
        Assert.True(webhook.GetProperty("active").GetBoolean());
        Assert.Matches(IsoMillisUtc(), webhook.GetProperty("createdAt").GetString()!);

        // Same webhook through DocMap's API, without the secret.
        var listed = await api.ListWebhooksAsync();
        Assert.Equal(id, Assert.Single(listed.Data.EnumerateArray()).GetProperty("id").GetString());
        Assert.DoesNotContain(Secret, listed.Body, StringComparison.Ordinal);

        var results = await emulator.TriggerAsync(WebhookEventType.ExtractionFailed);
        Assert.Equal(200, Assert.Single(results).HttpStatus);
        Assert.True(Assert.Single(receiver.Received).Verified);
    }

    [Fact]
    public async Task POST_webhooks_without_a_secret_mints_one_and_honours_the_event_list()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var created = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", """{"url":"http://127.0.0.1:9/x","events":["extraction.failed","extraction.failed"]}""");

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Matches(Hex64(), created.Data.GetProperty("secret").GetString()!);
        Assert.Equal(["extraction.failed"], created.Data.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("""{"url":42}""")]
    [InlineData("""{"events":["extraction.completed"]}""")]
    [InlineData("""{"url":"ftp://example.com/x"}""")]
    [InlineData("""{"url":"https://example.com/x","events":[]}""")]
    [InlineData("""{"url":"https://example.com/x","events":["extraction.archived"]}""")]
    [InlineData("""{"url":"https://example.com/x","secret":"abc"}""")]
    [InlineData("""{"url":"https://example.com/x","secret":"zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}""")]
    [InlineData("""{"url":"https://example.com/x","secret":64}""")]
    public async Task POST_webhooks_rejects_bad_input_with_400_VALIDATION_ERROR(string body)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
        Assert.Equal(0, (await api.ListWebhooksAsync()).Data.GetArrayLength());
    }

    [Fact]
    public async Task POST_webhooks_applies_the_ten_webhook_limit()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        for (var i = 0; i < DocMapEmulator.MaxActiveWebhooks; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", $$"""{"url":"https://example.com/{{i}}","secret":"{{Secret}}"}""")).Status);
        }

        var refused = await api.SendAsync(HttpMethod.Post, "_emulator/webhooks", """{"url":"https://example.com/x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("MAX_WEBHOOKS_REACHED", refused.ErrorCode);
    }

    [Fact]
    public async Task POST_trigger_delivers_to_every_subscriber_and_answers_each_attempt_as_logged()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var a = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        var b = await api.CreateOkAsync(receiver.FailUrl, "extraction.completed");
        await api.CreateOkAsync(receiver.HookUrl("c"), "extraction.failed");
        receiver.Expect("a", a.Secret);

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed","extractionId":"ext_given"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var deliveries = response.Data.GetProperty("deliveries").EnumerateArray().ToArray();
        Assert.Equal([a.Id, b.Id], deliveries.Select(d => d.GetProperty("webhookId").GetString()!));
        Assert.Equal(("success", 200), (deliveries[0].GetProperty("status").GetString(), deliveries[0].GetProperty("httpStatus").GetInt32()));
        Assert.Equal(("failed", 500), (deliveries[1].GetProperty("status").GetString(), deliveries[1].GetProperty("httpStatus").GetInt32()));
        Assert.All(deliveries, d =>
        {
            Assert.Equal("ext_given", d.GetProperty("extractionId").GetString());
            Assert.Equal("extraction.completed", d.GetProperty("event").GetString());
            Assert.Equal(JsonValueKind.Null, d.GetProperty("error").ValueKind);
            Assert.True(d.GetProperty("durationMs").GetInt64() >= 0);
            Assert.Matches(IsoMillisUtc(), d.GetProperty("createdAt").GetString()!);
        });
        Assert.True(Assert.Single(receiver.Received).Verified);
        Assert.Equal("ext_given", WebhookEvent.Parse(receiver.Received.Single().Body).ExtractionId);

        // The answer is the delivery log's entries.
        var log = (await api.ListDeliveriesAsync()).Data.EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToArray();
        Assert.Equal(deliveries.Select(d => d.GetProperty("id").GetString()!).Order(), log.Order());
    }

    [Fact]
    public async Task POST_trigger_sends_the_given_record_as_data_with_missing_fields_filled_in_and_can_target_one_webhook()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var a = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.failed");
        var b = await api.CreateOkAsync(receiver.HookUrl("b"), "extraction.failed");
        receiver.Expect("b", b.Secret);

        var response = await api.SendAsync(
            HttpMethod.Post,
            "_emulator/trigger",
            $$$$"""{"event":"extraction.failed","webhookId":"{{{{b.Id}}}}","data":{"id":"ext_7","error":"Unreadable scan","templateName":"Receipts","custom":{"deep":[1,2]}}}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var delivery = Assert.Single(response.Data.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(b.Id, delivery.GetProperty("webhookId").GetString());
        var received = Assert.Single(receiver.Received);
        Assert.Equal("b", received.Name);
        Assert.True(received.Verified);
        var parsed = WebhookEvent.Parse(received.Body);
        Assert.Equal("ext_7", parsed.ExtractionId);
        Assert.Equal("Unreadable scan", parsed.Extraction!.Error);
        Assert.Equal("Receipts", parsed.Extraction.TemplateName);
        Assert.Equal("failed", parsed.Extraction.Status);
        Assert.Equal(emulator.UserId, parsed.Extraction.UserId);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal(2, body.RootElement.GetProperty("data").GetProperty("custom").GetProperty("deep")[1].GetInt32());
        _ = a;
    }

    [Fact]
    public async Task POST_trigger_with_no_subscriber_answers_no_deliveries()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/trigger", """{"event":"extraction.completed"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(0, response.Data.GetProperty("deliveries").GetArrayLength());
    }

    [Theory]
    [InlineData("", "VALIDATION_ERROR", 400)]
    [InlineData("{", "VALIDATION_ERROR", 400)]
    [InlineData("{}", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.archived"}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":7}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","extractionId":""}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","data":[1]}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","data":"x"}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","data":{"id":5}}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","extractionId":"ext_a","data":{"id":"ext_b"}}""", "VALIDATION_ERROR", 400)]
    [InlineData("""{"event":"extraction.completed","webhookId":"wh_unknown"}""", "NOT_FOUND", 404)]
    [InlineData("""{"event":"extraction.failed","webhookId":"{id}"}""", "VALIDATION_ERROR", 400)]
    public async Task POST_trigger_rejects_bad_input_and_delivers_nothing(string body, string code, int status)
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var (id, _) = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed"); // not subscribed to failed

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/trigger", body.Replace("{id}", id, StringComparison.Ordinal));

        Assert.Equal(status, (int)response.Status);
        Assert.Equal(code, response.ErrorCode);
        Assert.Empty(receiver.Received);
        Assert.Empty(emulator.Deliveries);
    }

    [Fact]
    public async Task GET_deliveries_lists_newest_first_with_the_exact_payload()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var (_, secret) = await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed", "extraction.failed");
        receiver.Expect("a", secret);
        var first = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted));
        var second = Assert.Single(await emulator.TriggerAsync(WebhookEventType.ExtractionFailed));

        var response = await api.SendAsync(HttpMethod.Get, "_emulator/deliveries");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var list = response.Data.EnumerateArray().ToArray();
        Assert.Equal([second.Id, first.Id], list.Select(d => d.GetProperty("id").GetString()!));
        Assert.Equal(second.Payload, list[0].GetProperty("payload").GetString());
        Assert.False(list[0].GetProperty("payloadTruncated").GetBoolean());
        Assert.Equal(Encoding.UTF8.GetString(receiver.Received.Last().Body), list[0].GetProperty("payload").GetString());
        foreach (var name in new[] { "userId", "webhookId", "extractionId", "event", "url", "status", "httpStatus", "error", "durationMs", "createdAt" })
        {
            Assert.True(list[0].TryGetProperty(name, out _), name);
        }

        var one = await api.SendAsync(HttpMethod.Get, "_emulator/deliveries?limit=1");
        Assert.Equal(second.Id, Assert.Single(one.Data.EnumerateArray()).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("_emulator/deliveries?limit=0")]
    [InlineData("_emulator/deliveries?limit=1001")]
    [InlineData("_emulator/deliveries?limit=abc")]
    [InlineData("_emulator/deliveries?limit=1&limit=2")]
    [InlineData("_emulator/requests?limit=0")]
    [InlineData("_emulator/requests?limit=1001")]
    [InlineData("_emulator/requests?limit=")]
    public async Task The_log_calls_reject_a_limit_outside_1_to_1000(string path)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
    }

    [Fact]
    public async Task GET_requests_lists_API_requests_newest_first_without_401_bodies_and_without_control_calls()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        using var wrong = new EmulatorApi(emulator, "nope");
        await api.CreateOkAsync("https://example.com/a", "extraction.completed");
        await wrong.CreateAsync("https://example.com/secret-looking-body", "extraction.completed");
        await api.ListDeliveriesAsync("?limit=3");
        await api.SendAsync(HttpMethod.Get, "_emulator"); // not recorded

        var response = await api.SendAsync(HttpMethod.Get, "_emulator/requests?limit=1000");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var list = response.Data.EnumerateArray().ToArray();
        Assert.Equal(3, list.Length);
        Assert.Equal(("GET", "/v1/webhooks/deliveries?limit=3", 200), (list[0].GetProperty("method").GetString(), list[0].GetProperty("path").GetString(), list[0].GetProperty("statusCode").GetInt32()));
        Assert.Equal(JsonValueKind.Null, list[0].GetProperty("body").ValueKind);
        Assert.Equal(401, list[1].GetProperty("statusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, list[1].GetProperty("body").ValueKind);
        Assert.DoesNotContain("secret-looking-body", response.Body, StringComparison.Ordinal);
        Assert.Equal(("POST", "/v1/webhooks"), (list[2].GetProperty("method").GetString(), list[2].GetProperty("path").GetString()));
        Assert.Contains("https://example.com/a", list[2].GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.False(list[2].GetProperty("bodyTruncated").GetBoolean());
        Assert.Matches(IsoMillisUtc(), list[2].GetProperty("receivedAt").GetString()!);
        Assert.DoesNotContain(emulator.ApiKey, response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("uthorization", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task POST_faults_queues_failures_that_the_next_calls_answer()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var first = await api.SendAsync(HttpMethod.Post, "_emulator/faults", """{"endpoint":"listWebhooks","count":2,"status":429,"retryAfterSeconds":120}""");
        var second = await api.SendAsync(HttpMethod.Post, "_emulator/faults", """{"endpoint":"listWebhooks","count":1,"status":503,"errorCode":"KEY_EXPIRED"}""");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(("listWebhooks", 2), (first.Data.GetProperty("endpoint").GetString(), first.Data.GetProperty("remaining").GetInt32()));
        Assert.Equal(3, second.Data.GetProperty("remaining").GetInt32());

        var answers = new List<ApiResponse>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await api.ListWebhooksAsync());
        }

        Assert.Equal([429, 429, 503, 200], answers.Select(a => (int)a.Status));
        Assert.Equal("USAGE_LIMIT_EXCEEDED", answers[0].ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(120), answers[0].RetryAfter);
        Assert.Equal("KEY_EXPIRED", answers[2].ErrorCode);
        Assert.Null(answers[2].RetryAfter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"count":1,"status":503}""")]
    [InlineData("""{"endpoint":"ListWebhooks","count":1,"status":503}""")]
    [InlineData("""{"endpoint":"trigger","count":1,"status":503}""")]
    [InlineData("""{"endpoint":"listWebhooks","status":503}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":0,"status":503}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":"1","status":503}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1.5,"status":503}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1,"status":200}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1,"status":600}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1,"status":503,"retryAfterSeconds":-1}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1,"status":503,"retryAfterSeconds":86401}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":1,"status":503,"errorCode":" "}""")]
    [InlineData("""{"endpoint":"listWebhooks","count":99999999999,"status":503}""")]
    public async Task POST_faults_rejects_bad_input_with_400_and_queues_nothing(string body)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(HttpMethod.Post, "_emulator/faults", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("VALIDATION_ERROR", response.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await api.ListWebhooksAsync()).Status);
    }

    [Fact]
    public async Task POST_reset_forgets_webhooks_deliveries_requests_and_faults_but_keeps_key_url_and_user()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        await api.CreateOkAsync(receiver.HookUrl("a"), "extraction.completed");
        await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 5, HttpStatusCode.ServiceUnavailable);
        var infoBefore = (await api.SendAsync(HttpMethod.Get, "_emulator")).Body;

        var reset = await api.SendAsync(HttpMethod.Post, "_emulator/reset");

        Assert.Equal(HttpStatusCode.OK, reset.Status);
        Assert.True(reset.Data.GetProperty("reset").GetBoolean());
        Assert.Empty(emulator.Requests);
        Assert.Equal(0, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
        var list = await api.ListWebhooksAsync(); // no fault left, same key accepted
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(0, list.Data.GetArrayLength());
        Assert.Equal(0, (await api.ListDeliveriesAsync()).Data.GetArrayLength());
        Assert.Equal(0, (await api.SendAsync(HttpMethod.Get, "_emulator/deliveries")).Data.GetArrayLength());
        Assert.Equal(infoBefore, (await api.SendAsync(HttpMethod.Get, "_emulator")).Body);
    }

    [Theory]
    [InlineData("GET", "_emulator/nothing")]
    [InlineData("GET", "_emulator/reset")]
    [InlineData("POST", "_emulator")]
    [InlineData("DELETE", "_emulator/webhooks")]
    [InlineData("GET", "_emulator/a/b/c")]
    public async Task Unknown_control_calls_answer_404_NOT_FOUND(string method, string path)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);

        var response = await api.SendAsync(new HttpMethod(method), path);

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("NOT_FOUND", response.ErrorCode);
        Assert.Empty(emulator.Requests);
    }

    [Theory]
    [InlineData("_emulator/trigger", false)]
    [InlineData("_emulator/trigger", true)]
    [InlineData("_emulator/webhooks", true)]
    [InlineData("v1/webhooks", false)]
    [InlineData("v1/webhooks", true)]
    public async Task A_body_over_4_MiB_is_413_PAYLOAD_TOO_LARGE_with_or_without_a_length(string path, bool chunked)
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        var pad = new byte[(4 * 1024 * 1024) + 1024];
        Array.Fill(pad, (byte)' '); // JSON white space: a valid prefix of a huge document

        var head = $"POST /{path} HTTP/1.1\r\nHost: {emulator.Url.Authority}\r\nAuthorization: Bearer {emulator.ApiKey}\r\nContent-Type: application/json\r\n" +
            (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {pad.Length + 2}\r\n\r\n");
        byte[] body = chunked
            ? [.. Encoding.ASCII.GetBytes($"{pad.Length:x}\r\n"), .. pad, .. "\r\n2\r\n{}\r\n0\r\n\r\n"u8.ToArray()]
            : [.. pad, .. "{}"u8.ToArray()];

        var (status, text) = await RawHttp.SendAsync(emulator.Url, head, body, TimeSpan.FromSeconds(30));

        Assert.Equal(413, status);
        Assert.Contains("PAYLOAD_TOO_LARGE", text, StringComparison.Ordinal);
        // Nothing happened, nothing big was kept, and the emulator still serves.
        Assert.Empty(emulator.Deliveries);
        Assert.Equal(0, (await api.ListWebhooksAsync()).Data.GetArrayLength());
        Assert.All(emulator.Requests, r => Assert.True(r.Body is null || r.Body.Length <= DocMapEmulatorOptions.DefaultMaxLoggedBodyBytes));
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, "_emulator")).Status);
    }

}

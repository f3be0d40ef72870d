using System.Net;
using System.Text.Json;

namespace DocMap.Client.Tests;

public sealed class ParsingTests : WireMockTestBase
{
    private static readonly DateTimeOffset Created = new(2025, 1, 20, 14, 30, 4, TimeSpan.Zero);

    [Fact]
    public async Task CreateWebhook_parses_the_documented_example()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);

        var result = (await CreateClient().CreateWebhookAsync(new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted]))).Data;

        Assert.Equal(Secret, result.Secret);
        Assert.Equal("wh_01HQ3K", result.Webhook.Id);
        Assert.Equal("usr_42", result.Webhook.UserId);
        Assert.Equal("https://example.com/webhooks/docmap", result.Webhook.Url);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], result.Webhook.Events);
        Assert.True(result.Webhook.Active);
        Assert.Equal(Created, result.Webhook.CreatedAt);
        Assert.Equal(TimeSpan.Zero, result.Webhook.CreatedAt.Offset);
    }

    [Fact]
    public async Task ListWebhooks_parses_the_documented_example()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);

        var webhooks = (await CreateClient().ListWebhooksAsync()).Data;

        var webhook = Assert.Single(webhooks);
        Assert.Equal("wh_01HQ3K", webhook.Id);
        Assert.Equal("usr_42", webhook.UserId);
        Assert.Equal("https://example.com/webhooks/docmap", webhook.Url);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], webhook.Events);
        Assert.True(webhook.Active);
        Assert.Equal(Created, webhook.CreatedAt);
    }

    [Fact]
    public async Task ListWebhooks_parses_an_empty_list()
    {
        Respond("/v1/webhooks", "GET", 200, """{"data":[]}""");
        Assert.Empty((await CreateClient().ListWebhooksAsync()).Data);
    }

    [Fact]
    public async Task ListDeliveries_parses_the_documented_example_with_nulls()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);

        var deliveries = (await CreateClient().ListDeliveriesAsync()).Data;

        Assert.Equal(2, deliveries.Count);
        var failed = deliveries[0];
        Assert.Equal("dlv_2", failed.Id);
        Assert.Equal("usr_42", failed.UserId);
        Assert.Equal("wh_01HQ3K", failed.WebhookId);
        Assert.Equal("ext_9", failed.ExtractionId);
        Assert.Equal(WebhookEventType.ExtractionFailed, failed.Event);
        Assert.Equal("https://example.com/webhooks/docmap", failed.Url);
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.Null(failed.HttpStatus);
        Assert.Equal("connect ECONNREFUSED", failed.Error);
        Assert.Equal(10000, failed.DurationMs);
        Assert.Equal(new DateTimeOffset(2025, 1, 20, 14, 31, 0, TimeSpan.Zero), failed.CreatedAt);

        var ok = deliveries[1];
        Assert.Equal(DeliveryStatus.Success, ok.Status);
        Assert.True(ok.Status.IsKnown);
        Assert.Equal(200, ok.HttpStatus);
        Assert.Null(ok.Error);
        Assert.Equal(84, ok.DurationMs);
        Assert.Equal(Created, ok.CreatedAt);
    }

    [Fact]
    public async Task ListDeliveries_treats_omitted_error_and_httpStatus_keys_as_null()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, """
            {"data":[
              {"id":"dlv_3","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_10","event":"extraction.completed","url":"https://example.com/webhooks/docmap","status":"success","httpStatus":200,"durationMs":12,"createdAt":"2025-01-20T14:30:04.000Z"},
              {"id":"dlv_2","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_9","event":"extraction.failed","url":"https://example.com/webhooks/docmap","status":"failed","error":"timeout","durationMs":10000,"createdAt":"2025-01-20T14:30:04.000Z"},
              {"id":"dlv_1","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_8","event":"extraction.failed","url":"https://example.com/webhooks/docmap","status":"failed","durationMs":5,"createdAt":"2025-01-20T14:30:04.000Z"}
            ]}
            """);

        var deliveries = (await CreateClient().ListDeliveriesAsync()).Data;

        Assert.Equal(3, deliveries.Count);
        var first = deliveries[0];
        Assert.Equal(
            ("dlv_3", "usr_42", "wh_01HQ3K", "ext_10", WebhookEventType.ExtractionCompleted, "https://example.com/webhooks/docmap", DeliveryStatus.Success, (int?)200, (string?)null, 12, Created),
            (first.Id, first.UserId, first.WebhookId, first.ExtractionId, first.Event, first.Url, first.Status, first.HttpStatus, first.Error, first.DurationMs, first.CreatedAt));
        Assert.Null(deliveries[1].HttpStatus);
        Assert.Equal("timeout", deliveries[1].Error);
        Assert.Null(deliveries[2].HttpStatus);
        Assert.Null(deliveries[2].Error);
        Assert.Equal(5, deliveries[2].DurationMs);
    }

    [Fact]
    public async Task ListDeliveries_still_rejects_a_delivery_without_a_required_key()
    {
        // durationMs is not nullable: omitting it is not DocMap's documented JSON.
        Respond("/v1/webhooks/deliveries", "GET", 200, """
            {"data":[{"id":"dlv_1","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_8","event":"extraction.failed","url":"https://example.com/webhooks/docmap","status":"failed","createdAt":"2025-01-20T14:30:04.000Z"}]}
            """);

        await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListDeliveriesAsync());
    }

    [Fact]
    public async Task An_error_body_without_a_message_key_keeps_its_code()
    {
        Respond("/v1/webhooks", "GET", 404, """{"error":{"code":"NOT_FOUND"}}""");

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal("NOT_FOUND", error.ErrorCode);
        Assert.Null(error.ServerMessage);
    }

    [Fact]
    public async Task Unknown_event_and_status_values_round_trip()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, """
            {"data":[{"id":"dlv_3","userId":"u","webhookId":"w","extractionId":"e","event":"extraction.archived","url":"https://x.test/h","status":"retrying","httpStatus":null,"error":null,"durationMs":0,"createdAt":"2025-01-20T14:30:04.000Z"}]}
            """);
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);
        var client = CreateClient();

        var delivery = Assert.Single((await client.ListDeliveriesAsync()).Data);

        Assert.Equal("extraction.archived", delivery.Event.ToString());
        Assert.False(delivery.Event.IsKnown);
        Assert.Equal("retrying", delivery.Status.ToString());
        Assert.False(delivery.Status.IsKnown);
        Assert.Equal(new DeliveryStatus("retrying"), delivery.Status);

        // The unknown event type goes back to the server unchanged.
        await client.CreateWebhookAsync(new("https://x.test/h", [delivery.Event]));
        var post = Requests.Single(r => r.Method == "POST");
        using var body = JsonDocument.Parse(post.Body!);
        Assert.Equal("extraction.archived", body.RootElement.GetProperty("events")[0].GetString());
    }

    [Fact]
    public async Task Unknown_extra_properties_are_ignored()
    {
        Respond("/v1/webhooks", "GET", 200, """
            {"data":[{"id":"wh_1","userId":"u","url":"https://x.test/h","events":["extraction.completed"],"active":false,"createdAt":"2025-01-20T14:30:04.000Z","description":"new field"}],"meta":{"next":null}}
            """);
        var webhook = Assert.Single((await CreateClient().ListWebhooksAsync()).Data);
        Assert.False(webhook.Active);
    }

    [Fact]
    public async Task DeleteWebhook_accepts_the_documented_success_body()
    {
        Respond("/v1/webhooks/wh_1", "DELETE", 200, Examples.DeleteResponse);
        await CreateClient().DeleteWebhookAsync("wh_1");
        Assert.Single(Requests);
    }

    [Theory]
    [InlineData("<html>not json</html>")]
    [InlineData("""{"nodata":true}""")]
    [InlineData("""{"data":[{"id":"wh_1"}]}""")]
    [InlineData("""{"data":[{"id":null,"userId":"u","url":"https://x.test/h","events":[],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"}]}""")]
    public async Task A_2xx_body_that_is_not_the_documented_json_is_a_DocMapApiException(string body)
    {
        Respond("/v1/webhooks", "GET", 200, body);

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Equal("GET", error.RequestMethod);
        Assert.Equal("/v1/webhooks", error.RequestPath);
        Assert.Contains("not the documented JSON", error.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(error.InnerException, exactMatch: false);
    }

    [Theory]
    [InlineData(200, null, "empty body")]
    [InlineData(204, null, "empty body")]
    [InlineData(200, "null", "JSON null body")]
    [InlineData(200, "{\"data\":null}", "\"data\": null")]
    public async Task A_2xx_without_data_is_a_DocMapApiException_not_a_null(int status, string? body, string expected)
    {
        Respond("/v1/webhooks", "GET", status, body);
        Respond("/v1/webhooks/deliveries", "GET", status, body);
        Respond("/v1/webhooks", "POST", status, body);
        var client = CreateClient();

        var list = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var deliveries = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());
        var create = await Assert.ThrowsAsync<DocMapApiException>(() => client.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(status, (int)list.StatusCode);
        Assert.Contains(expected, list.Message, StringComparison.Ordinal);
        Assert.Equal("/v1/webhooks", list.RequestPath);
        Assert.Equal("/v1/webhooks/deliveries", deliveries.RequestPath);
        Assert.Equal("POST", create.RequestMethod);
    }

    [Theory]
    [InlineData("""{"data":[null]}""", 0)]
    [InlineData("""{"data":[{"id":"wh_1","userId":"u","url":"https://x.test/h","events":["extraction.completed"],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"},null]}""", 1)]
    public async Task A_list_with_a_null_element_is_a_DocMapApiException_never_a_null_in_a_non_nullable_list(string body, int index)
    {
        // RespectNullableAnnotations covers properties, not collection elements: the list arrived with a null in it,
        // typed IReadOnlyList<Webhook> (non-null elements), and the caller's first webhook.Id was a NullReferenceException.
        Respond("/v1/webhooks", "GET", 200, body);
        Respond("/v1/webhooks/deliveries", "GET", 200, body.Replace("\"events\":[\"extraction.completed\"],\"active\":true,", "\"webhookId\":\"w\",\"extractionId\":\"e\",\"event\":\"extraction.completed\",\"status\":\"success\",\"httpStatus\":200,\"error\":null,\"durationMs\":1,", StringComparison.Ordinal));
        var client = CreateClient();

        var webhooks = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var deliveries = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());

        foreach (var (error, path) in new[] { (webhooks, "/v1/webhooks"), (deliveries, "/v1/webhooks/deliveries") })
        {
            Assert.Equal(HttpStatusCode.OK, error.StatusCode);
            Assert.Equal("GET", error.RequestMethod);
            Assert.Equal(path, error.RequestPath);
            Assert.Contains($"\"data\"[{index}] is null", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeleteWebhook_accepts_an_empty_204()
    {
        Respond("/v1/webhooks/wh_1", "DELETE", 204);
        await CreateClient().DeleteWebhookAsync("wh_1");
        Assert.Single(Requests);
    }

    [Fact]
    public void DeliveryStatus_behaves_like_a_value()
    {
        Assert.Equal("success", DeliveryStatus.Success.ToString());
        Assert.Equal("failed", DeliveryStatus.Failed.Value);
        Assert.True(default(DeliveryStatus).IsDefault);
        Assert.Equal(string.Empty, default(DeliveryStatus).ToString());
        Assert.True(DeliveryStatus.Success == "success");
        Assert.True(DeliveryStatus.Success != DeliveryStatus.Failed);
        Assert.Equal(DeliveryStatus.Success.GetHashCode(), new DeliveryStatus("success").GetHashCode());
        Assert.Throws<ArgumentException>(() => new DeliveryStatus(" "));
        Assert.Throws<ArgumentNullException>(() => new DeliveryStatus(null!));
    }
}

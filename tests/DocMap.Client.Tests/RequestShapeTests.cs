using System.Text.Json;

namespace DocMap.Client.Tests;

public sealed class RequestShapeTests : WireMockTestBase
{
    private void AssertCommonHeaders(WireMock.IRequestMessage request)
    {
        Assert.Equal($"Bearer {ApiKey}", Assert.Single(request.Headers!["Authorization"]));
        var userAgent = string.Join(" ", request.Headers!["User-Agent"]);
        Assert.Matches(@"^DocMap\.Client/\d+\.\d+\.\d+", userAgent);
        Assert.Contains("application/json", string.Join(",", request.Headers!["Accept"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWebhook_posts_url_and_events_as_json_with_auth_and_user_agent()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);
        var client = CreateClient();

        await client.CreateWebhookAsync(new CreateWebhookRequest(
            "https://example.com/webhooks/docmap",
            [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]));

        var request = Assert.Single(Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/webhooks", request.AbsolutePath);
        Assert.True(string.IsNullOrEmpty(request.RawQuery));
        AssertCommonHeaders(request);
        Assert.StartsWith("application/json", string.Join(",", request.Headers!["Content-Type"]), StringComparison.Ordinal);

        using var body = JsonDocument.Parse(request.Body!);
        var names = body.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["url", "events"], names);
        Assert.Equal("https://example.com/webhooks/docmap", body.RootElement.GetProperty("url").GetString());
        Assert.Equal(
            ["extraction.completed", "extraction.failed"],
            body.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public async Task ListDeliveries_sends_webhookId_and_limit_query_names()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);
        var client = CreateClient();

        await client.ListDeliveriesAsync(webhookId: "wh_01HQ3K", limit: 25);

        var request = Assert.Single(Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/webhooks/deliveries", request.AbsolutePath);
        Assert.Equal(["limit", "webhookId"], request.Query!.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("wh_01HQ3K", Assert.Single(request.Query!["webhookId"]));
        Assert.Equal("25", Assert.Single(request.Query!["limit"]));
        AssertCommonHeaders(request);
        Assert.True(string.IsNullOrEmpty(request.Body));
    }

    [Fact]
    public async Task ListDeliveries_without_arguments_sends_no_query()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);
        await CreateClient().ListDeliveriesAsync();

        var request = Assert.Single(Requests);
        Assert.Equal("/v1/webhooks/deliveries", request.AbsolutePath);
        Assert.True(string.IsNullOrEmpty(request.RawQuery), request.RawQuery);
    }

    [Fact]
    public async Task ListDeliveries_escapes_the_webhook_id_in_the_query()
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);
        await CreateClient().ListDeliveriesAsync(webhookId: "a&limit=1 b", limit: 5);

        var request = Assert.Single(Requests);
        Assert.Equal("a&limit=1 b", Assert.Single(request.Query!["webhookId"]));
        Assert.Equal("5", Assert.Single(request.Query!["limit"]));
    }

    [Fact]
    public async Task ListWebhooks_gets_v1_webhooks()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        await CreateClient().ListWebhooksAsync();

        var request = Assert.Single(Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/webhooks", request.AbsolutePath);
        AssertCommonHeaders(request);
    }

    [Fact]
    public async Task DeleteWebhook_deletes_v1_webhooks_id()
    {
        Respond("/v1/webhooks/wh_01HQ3K", "DELETE", 200, Examples.DeleteResponse);
        await CreateClient().DeleteWebhookAsync("wh_01HQ3K");

        var request = Assert.Single(Requests);
        Assert.Equal("DELETE", request.Method);
        Assert.Equal("/v1/webhooks/wh_01HQ3K", request.AbsolutePath);
        AssertCommonHeaders(request);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("../../v1/webhooks")]
    [InlineData("a/b")]
    [InlineData("x?y=1#z")]
    public async Task DeleteWebhook_escapes_the_id_so_it_cannot_change_the_route(string id)
    {
        // Any request is answered 404 so that the test sees where it landed.
        Respond("/*", "DELETE", 404, Error("NOT_FOUND", "Webhook not found"));
        var client = CreateClient();

        await Assert.ThrowsAsync<DocMapApiException>(() => client.DeleteWebhookAsync(id));

        var request = Assert.Single(Requests);
        Assert.Equal("DELETE", request.Method);
        var rawPath = new Uri(request.AbsoluteUrl).AbsolutePath;
        Assert.StartsWith("/v1/webhooks/", rawPath, StringComparison.Ordinal);
        var lastSegment = rawPath["/v1/webhooks/".Length..];
        Assert.DoesNotContain('/', lastSegment);
        Assert.Equal(id, Uri.UnescapeDataString(lastSegment));
        Assert.True(string.IsNullOrEmpty(request.RawQuery), request.RawQuery);
    }

    [Fact]
    public async Task A_test_key_of_another_shape_is_sent_unchanged()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        await CreateClient(apiKey: "dm_test_short-key").ListWebhooksAsync();

        Assert.Equal("Bearer dm_test_short-key", Assert.Single(Assert.Single(Requests).Headers!["Authorization"]));
    }
}

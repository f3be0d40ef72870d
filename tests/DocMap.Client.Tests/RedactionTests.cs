namespace DocMap.Client.Tests;

public sealed class RedactionTests : WireMockTestBase
{
    [Fact]
    public async Task CreateWebhookResult_and_its_envelope_never_print_the_secret()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);

        var envelope = await CreateClient().CreateWebhookAsync(new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted]));

        Assert.Equal(Secret, envelope.Data.Secret);
        foreach (var text in new[] { envelope.Data.ToString(), envelope.ToString(), $"{envelope.Data}", $"{envelope}" })
        {
            Assert.DoesNotContain(Secret, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Secret[..16], text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Secret = ****", text, StringComparison.Ordinal);
            Assert.Contains("wh_01HQ3K", text, StringComparison.Ordinal);
            Assert.Contains("extraction.completed", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_ToString_redacts_the_api_key()
    {
        var options = new DocMapClientOptions { ApiKey = ApiKey };
        Assert.DoesNotContain(ApiKey, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("ApiKey = ****", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("ApiKey = (none)", new DocMapClientOptions().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_message_that_echoes_the_key_is_scrubbed()
    {
        Respond("/v1/webhooks", "GET", 401, Error("UNAUTHORIZED", $"Key {ApiKey} is not valid"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal(DocMapErrorCodes.Unauthorized, error.ErrorCode);
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error.ServerMessage!, StringComparison.Ordinal);
        Assert.Contains("Key **** is not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_exception_the_client_throws_contains_the_api_key()
    {
        Respond("/v1/webhooks", "GET", 401, Error("UNAUTHORIZED", "Invalid API key"));
        Respond("/v1/webhooks/deliveries", "GET", 200, "<html>oops</html>", "text/html");
        Respond("/v1/webhooks", "POST", 500, "<html>proxy</html>", "text/html");
        Respond("/v1/webhooks/wh_slow", "DELETE", 200, Examples.DeleteResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));
        var client = CreateClient();
        var impatient = CreateClient(o => o.Timeout = TimeSpan.FromMilliseconds(300)); // only for the slow call

        var errors = new List<Exception>
        {
            await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync()),
            await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync()),
            await Assert.ThrowsAsync<DocMapApiException>(() => client.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]))),
            await Assert.ThrowsAsync<TimeoutException>(() => impatient.DeleteWebhookAsync("wh_slow")),
            await Assert.ThrowsAsync<ArgumentException>(() => client.CreateWebhookAsync(new("relative", [WebhookEventType.ExtractionCompleted]))),
        };

        foreach (var error in errors)
        {
            for (Exception? e = error; e is not null; e = e.InnerException)
            {
                Assert.DoesNotContain(ApiKey, e.ToString(), StringComparison.Ordinal);
                Assert.DoesNotContain(ApiKey, e.Message, StringComparison.Ordinal);
            }
        }
    }
}

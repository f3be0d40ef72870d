namespace DocMap.Client.Tests;

public sealed class ValidationTests : WireMockTestBase
{
    private static readonly IReadOnlyList<WebhookEventType> Completed = [WebhookEventType.ExtractionCompleted];

    public static TheoryData<string?> BadUrls => new() { null, "", "   ", "/webhooks/docmap", "example.com/hook", "ftp://example.com/hook", "mailto:a@b.c" };

    [Theory]
    [MemberData(nameof(BadUrls))]
    public async Task CreateWebhook_rejects_an_empty_relative_or_non_http_url_before_any_request(string? url)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => CreateClient().CreateWebhookAsync(new(url!, Completed)));
        Assert.Equal("request", error.ParamName);
        Assert.Contains("request.Url", error.Message, StringComparison.Ordinal);
        Assert.Empty(Requests);
    }

    [Fact]
    public async Task CreateWebhook_accepts_plain_http_for_development()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);
        await CreateClient().CreateWebhookAsync(new("http://localhost:5000/hook", Completed));
        Assert.Single(Requests);
    }

    [Fact]
    public async Task CreateWebhook_rejects_a_null_request()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => CreateClient().CreateWebhookAsync(null!));
        Assert.Equal("request", error.ParamName);
        Assert.Empty(Requests);
    }

    [Fact]
    public async Task CreateWebhook_rejects_no_events()
    {
        var client = CreateClient();
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => client.CreateWebhookAsync(new("https://example.com/h", [])));
        var none = await Assert.ThrowsAsync<ArgumentException>(() => client.CreateWebhookAsync(new("https://example.com/h", null!)));

        Assert.Equal("request", empty.ParamName);
        Assert.Contains("request.Events", empty.Message, StringComparison.Ordinal);
        Assert.Equal("request", none.ParamName);
        Assert.Empty(Requests);
    }

    [Fact]
    public async Task CreateWebhook_rejects_a_default_event_value()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted, default])));

        Assert.Equal("request", error.ParamName);
        Assert.Contains("request.Events[1]", error.Message, StringComparison.Ordinal);
        Assert.Empty(Requests);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(int.MaxValue)]
    public async Task ListDeliveries_rejects_a_limit_outside_1_to_100(int limit)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CreateClient().ListDeliveriesAsync(limit: limit));
        Assert.Equal("limit", error.ParamName);
        Assert.Empty(Requests);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public async Task ListDeliveries_accepts_the_limit_bounds(int limit)
    {
        Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);
        await CreateClient().ListDeliveriesAsync(limit: limit);
        Assert.Equal(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(Assert.Single(Requests).Query!["limit"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task ListDeliveries_rejects_an_empty_webhook_id(string webhookId)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => CreateClient().ListDeliveriesAsync(webhookId: webhookId));
        Assert.Equal("webhookId", error.ParamName);
        Assert.Empty(Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("..")]
    public async Task DeleteWebhook_rejects_an_empty_or_dot_segment_id(string webhookId)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => CreateClient().DeleteWebhookAsync(webhookId));
        Assert.Equal("webhookId", error.ParamName);
        Assert.Empty(Requests);
    }

    [Fact]
    public async Task DeleteWebhook_rejects_a_null_id()
    {
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => CreateClient().DeleteWebhookAsync(null!));
        Assert.Equal("webhookId", error.ParamName);
        Assert.Empty(Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_rejects_a_blank_api_key(string apiKey)
    {
        var error = Assert.Throws<ArgumentException>(() => DocMapClient.Create(apiKey));
        Assert.Equal("apiKey", error.ParamName);
    }

    [Fact]
    public void Create_rejects_a_null_api_key()
    {
        Assert.Equal("apiKey", Assert.Throws<ArgumentNullException>(() => DocMapClient.Create(null!)).ParamName);
    }

    [Fact]
    public void Create_rejects_bad_options_naming_the_setting()
    {
        var relative = Assert.Throws<ArgumentException>(() => DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = new Uri("/relative", UriKind.Relative) }));
        Assert.Equal("options", relative.ParamName);
        Assert.Contains("BaseAddress", relative.Message, StringComparison.Ordinal);

        var retries = Assert.Throws<ArgumentException>(() => DocMapClient.Create(ApiKey, new DocMapClientOptions { MaxRetries = 11 }));
        Assert.Contains("MaxRetries", retries.Message, StringComparison.Ordinal);

        var timeout = Assert.Throws<ArgumentException>(() => DocMapClient.Create(ApiKey, new DocMapClientOptions { Timeout = TimeSpan.Zero }));
        Assert.Contains("Timeout", timeout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, timeout.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1023)]
    [InlineData(1024 * 1024 * 1024 + 1)]
    [InlineData(int.MaxValue)]
    public void Create_rejects_a_MaxResponseBytes_outside_1_KiB_to_1_GiB(int value)
    {
        var error = Assert.Throws<ArgumentException>(() => DocMapClient.Create(ApiKey, new DocMapClientOptions { MaxResponseBytes = value }));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("DocMapClientOptions.MaxResponseBytes must be between 1024 (1 KiB) and 1073741824 (1 GiB) bytes.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(1024 * 1024 * 1024)]
    public void Create_accepts_the_bounds_of_MaxResponseBytes(int value)
    {
        Assert.NotNull(DocMapClient.Create(ApiKey, new DocMapClientOptions { MaxResponseBytes = value }));
        Assert.Equal(4 * 1024 * 1024, new DocMapClientOptions().MaxResponseBytes);
    }

    [Fact]
    public void Create_does_not_change_the_callers_options()
    {
        var options = new DocMapClientOptions { ApiKey = "other" };
        DocMapClient.Create(ApiKey, options);
        Assert.Equal("other", options.ApiKey);
    }
}

using System.Net;
using System.Net.Sockets;

namespace DocMap.Client.Tests;

public sealed class ErrorTests : WireMockTestBase
{
    public static TheoryData<string, int> DocumentedCodes => new()
    {
        { DocMapErrorCodes.MaxWebhooksReached, 400 },
        { DocMapErrorCodes.ValidationError, 400 },
        { DocMapErrorCodes.Unauthorized, 401 },
        { DocMapErrorCodes.KeyExpired, 401 },
        { DocMapErrorCodes.Forbidden, 403 },
        { DocMapErrorCodes.NotFound, 404 },
        { DocMapErrorCodes.UsageLimitExceeded, 429 },
        { DocMapErrorCodes.InternalError, 500 },
        { DocMapErrorCodes.NotConfigured, 501 },
        { DocMapErrorCodes.ExtractionFailed, 502 },
        { DocMapErrorCodes.ExtractionParseError, 502 },
    };

    [Fact]
    public void DocMapErrorCodes_hold_the_documented_wire_values()
    {
        Assert.Equal("MAX_WEBHOOKS_REACHED", DocMapErrorCodes.MaxWebhooksReached);
        Assert.Equal("VALIDATION_ERROR", DocMapErrorCodes.ValidationError);
        Assert.Equal("UNAUTHORIZED", DocMapErrorCodes.Unauthorized);
        Assert.Equal("KEY_EXPIRED", DocMapErrorCodes.KeyExpired);
        Assert.Equal("FORBIDDEN", DocMapErrorCodes.Forbidden);
        Assert.Equal("NOT_FOUND", DocMapErrorCodes.NotFound);
        Assert.Equal("USAGE_LIMIT_EXCEEDED", DocMapErrorCodes.UsageLimitExceeded);
        Assert.Equal("INTERNAL_ERROR", DocMapErrorCodes.InternalError);
        Assert.Equal("NOT_CONFIGURED", DocMapErrorCodes.NotConfigured);
        Assert.Equal("EXTRACTION_FAILED", DocMapErrorCodes.ExtractionFailed);
        Assert.Equal("EXTRACTION_PARSE_ERROR", DocMapErrorCodes.ExtractionParseError);
        Assert.Equal(11, typeof(DocMapErrorCodes).GetFields().Length);
    }

    [Theory]
    [MemberData(nameof(DocumentedCodes))]
    public async Task Every_documented_code_on_POST_becomes_a_DocMapApiException(string code, int status)
    {
        Respond("/v1/webhooks", "POST", status, Error(code, "Server says " + code));

        var error = await Assert.ThrowsAsync<DocMapApiException>(
            () => CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("Server says " + code, error.ServerMessage);
        Assert.Equal("POST", error.RequestMethod);
        Assert.Equal("/v1/webhooks", error.RequestPath);
        Assert.Contains("Server says " + code, error.Message, StringComparison.Ordinal);
        Assert.Contains("POST /v1/webhooks", error.Message, StringComparison.Ordinal);
        Assert.Contains(code, error.Message, StringComparison.Ordinal);
        Assert.Single(Requests); // POST: never retried, whatever the status.
    }

    [Theory]
    [MemberData(nameof(DocumentedCodes))]
    public async Task Every_documented_code_on_GET_becomes_a_DocMapApiException_after_retries(string code, int status)
    {
        Respond("/v1/webhooks/deliveries", "GET", status, Error(code, "msg"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(
            () => CreateClient(o => o.MaxRetries = 2).ListDeliveriesAsync(webhookId: "wh_1", limit: 10));

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("GET", error.RequestMethod);
        Assert.Equal("/v1/webhooks/deliveries", error.RequestPath);
        var transient = status is 429 || (status >= 500 && status != 501);
        Assert.Equal(transient, error.IsTransient);
        Assert.Equal(transient ? 3 : 1, Requests.Count);
    }

    [Fact]
    public async Task DELETE_not_found_names_method_path_and_code()
    {
        Respond("/v1/webhooks/wh_gone", "DELETE", 404, Error("NOT_FOUND", "Webhook not found"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().DeleteWebhookAsync("wh_gone"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal(DocMapErrorCodes.NotFound, error.ErrorCode);
        Assert.Equal("DocMap API DELETE /v1/webhooks/wh_gone failed with 404 (NotFound) NOT_FOUND: Webhook not found", error.Message);
    }

    [Fact]
    public async Task An_unknown_code_still_arrives_as_its_raw_string()
    {
        Respond("/v1/webhooks", "GET", 409, Error("BRAND_NEW_CODE", "Something new"));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Equal("BRAND_NEW_CODE", error.ErrorCode);
    }

    [Fact]
    public async Task An_html_error_page_from_a_proxy_gives_a_clear_exception()
    {
        Respond("/v1/webhooks", "POST", 502, "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html");

        var error = await Assert.ThrowsAsync<DocMapApiException>(
            () => CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Null(error.ServerMessage);
        Assert.Equal("POST", error.RequestMethod);
        Assert.Equal("/v1/webhooks", error.RequestPath);
        Assert.Contains("502", error.Message, StringComparison.Ordinal);
        Assert.Contains("not DocMap's JSON error", error.Message, StringComparison.Ordinal);
        Assert.Contains("text/html", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"error":"plain string"}""")]
    [InlineData("""{"message":"no envelope"}""")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    public async Task Other_non_documented_error_bodies_give_a_DocMapApiException_without_code(string body)
    {
        Respond("/v1/webhooks", "GET", 400, body.Length == 0 ? null : body);

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_is_an_HttpRequestException()
    {
        // A port that was just free: nothing listens, the connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            MaxRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.ListWebhooksAsync());
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);

        // POST too, and it is not wrapped by Refit.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionFailed])));
    }
}

public sealed class TransientStatusTests
{
    public static TheoryData<int> Statuses()
    {
        var data = new TheoryData<int>();
        foreach (var status in new[] { 100, 200, 204, 301, 400, 401, 403, 404, 408, 409, 429, 499, 500, 501, 502, 503, 504, 599, 600, 700, 999 })
        {
            data.Add(status);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public void IsTransient_agrees_with_the_retry_policy(int status)
    {
        var code = (System.Net.HttpStatusCode)status;
        var error = new DocMapApiException(code, null, null, "GET", "/v1/webhooks");

        Assert.Equal(DocMap.Client.Internal.DocMapResilience.IsRetryableStatus(code), error.IsTransient);
    }

    [Theory]
    [InlineData(600)]
    [InlineData(999)]
    public void Statuses_above_599_are_not_transient(int status)
    {
        Assert.False(new DocMapApiException((System.Net.HttpStatusCode)status, null, null, "GET", "/v1/webhooks").IsTransient);
    }
}

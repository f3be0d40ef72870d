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

/// <summary>
/// The API key must not reach any exception text through what the server sent (issue 8, item 4): JSON paths built
/// from property names, copied inner exception messages, error codes and messages, content types, in any letter case.
/// </summary>
public sealed class ServerTextRedactionTests : WireMockTestBase
{
    private static void AssertNoKey(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            foreach (var key in new[] { ApiKey, ApiKey.ToUpperInvariant() })
            {
                Assert.DoesNotContain(key, e.Message, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(key, e.ToString(), StringComparison.OrdinalIgnoreCase);
                if (e is System.Text.Json.JsonException json)
                {
                    Assert.DoesNotContain(key, json.Path ?? string.Empty, StringComparison.OrdinalIgnoreCase);
                }

                if (e is DocMapApiException api)
                {
                    Assert.DoesNotContain(key, api.ErrorCode ?? string.Empty, StringComparison.OrdinalIgnoreCase);
                    Assert.DoesNotContain(key, api.ServerMessage ?? string.Empty, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_key_as_a_JSON_property_name_in_an_unreadable_2xx_body_never_reaches_the_exception(bool upperCase)
    {
        var key = upperCase ? ApiKey.ToUpperInvariant() : ApiKey;
        Respond("/v1/webhooks", "GET", 200, $$"""{"data":[{"id":"x","{{key}}": tru}]}""");

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListWebhooksAsync());

        Assert.Equal(System.Net.HttpStatusCode.OK, error.StatusCode);
        Assert.Contains("not the documented JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("****", error.Message, StringComparison.Ordinal);   // the path is still there, with the key masked
        Assert.IsType<System.Text.Json.JsonException>(error.InnerException, exactMatch: false);
        AssertNoKey(error);
    }

    [Fact]
    public async Task The_key_in_mixed_case_as_a_top_level_property_name_never_reaches_the_exception()
    {
        var mixed = string.Concat(ApiKey.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        Respond("/v1/webhooks/deliveries", "GET", 200, $$"""{"data":[],"{{mixed}}":}""");

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().ListDeliveriesAsync());

        Assert.DoesNotContain(mixed, error.ToString(), StringComparison.Ordinal);
        AssertNoKey(error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_key_echoed_in_a_malformed_header_never_reaches_the_transport_exception(bool upperCase)
    {
        // SocketsHttpHandler quotes a malformed header name in its HttpRequestException ("Received an invalid header
        // name: '...'"), so a server that echoes the key there put it in the message the caller logs.
        var key = upperCase ? ApiKey.ToUpperInvariant() : ApiKey;
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\nX-Echo {key}: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct));
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.ListWebhooksAsync());

        Assert.Equal(HttpRequestError.InvalidResponse, error.HttpRequestError); // the kind is kept (and was retried as before)
        Assert.Equal(4, server.Connections);
        Assert.Contains("****", error.Message, StringComparison.Ordinal);
        AssertNoKey(error);
    }

    [Fact]
    public async Task The_key_as_the_host_of_a_redirect_Location_is_masked_in_the_origin_the_message_names()
    {
        // The message names the Location's origin (scheme, host, port): a server can put the key in the host.
        await using var server = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, $"HTTP/1.1 307 Redirect\r\nLocation: http://{ApiKey.ToUpperInvariant()}.example/v1/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() =>
            DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = server.BaseAddress }).ListWebhooksAsync());

        Assert.Equal(System.Net.HttpStatusCode.TemporaryRedirect, error.StatusCode);
        Assert.Contains("a redirect to http://****.example:80", error.Message, StringComparison.Ordinal);
        AssertNoKey(error);
    }

    [Fact]
    public async Task The_key_in_an_error_code_message_or_content_type_is_masked_in_any_case()
    {
        Respond("/v1/webhooks", "GET", 401, Error(ApiKey.ToUpperInvariant(), $"Key {ApiKey.ToUpperInvariant()} is not valid"));
        Respond("/v1/webhooks/deliveries", "GET", 400, "<html>nope</html>", $"application/x-{ApiKey}");
        var client = CreateClient();

        var coded = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListWebhooksAsync());
        var typed = await Assert.ThrowsAsync<DocMapApiException>(() => client.ListDeliveriesAsync());

        Assert.Contains("Key **** is not valid", coded.Message, StringComparison.Ordinal);
        Assert.Equal("****", coded.ErrorCode);
        AssertNoKey(coded);
        AssertNoKey(typed);
    }
}

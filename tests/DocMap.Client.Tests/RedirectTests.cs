using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Tests;

/// <summary>
/// DocMap's API does not redirect, so the client follows no redirect (issue 8, item 3): a 3xx becomes a
/// <see cref="DocMapApiException"/> naming the status and the origin of <c>Location</c> (never its path or query), and
/// the other origin receives nothing, whether the client comes from <see cref="DocMapClient.Create(string, DocMapClientOptions?)"/>,
/// from <c>AddDocMapClient</c>, or from <c>AddDocMapClient</c> with a primary handler the user configured.
/// </summary>
public sealed class RedirectTests
{
    private const string ApiKey = WireMockTestBase.ApiKey;

    /// <summary>The other origin: answers every request as if it had worked, and counts them.</summary>
    private static RawHttpServer Elsewhere() => new((index, request, stream, socket, ct) =>
        RawHttpServer.WriteAsync(
            stream,
            request.StartsWith("POST", StringComparison.Ordinal)
                ? RawHttpServer.Response(200, "OK", Examples.CreateResponse)
                : RawHttpServer.Response(200, "OK", Examples.DeleteResponse),
            ct));

    /// <summary>DocMap's address, answering every request with a redirect to <paramref name="location"/>.</summary>
    private static RawHttpServer Redirecting(int status, Func<string> location) => new((index, request, stream, socket, ct) =>
        RawHttpServer.WriteAsync(stream, $"HTTP/1.1 {status} Redirect\r\nLocation: {location()}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct));

    private static string Target(RawHttpServer elsewhere) => $"{elsewhere.BaseAddress.GetLeftPart(UriPartial.Authority)}/v1/elsewhere/wh_1?token=from-the-query";

    private static DocMapClientOptions Options(Uri baseAddress) => new()
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(20),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    };

    private static void AssertRedirectError(DocMapApiException error, int status, RawHttpServer elsewhere, string method, string path)
    {
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(method, error.RequestMethod);
        Assert.Equal(path, error.RequestPath);
        Assert.Null(error.ErrorCode);
        Assert.Contains($"{status} (", error.Message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{elsewhere.BaseAddress.Port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, elsewhere.Connections);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    [InlineData(301)]
    public async Task A_DELETE_redirected_to_another_origin_throws_and_the_other_origin_receives_nothing(int status)
    {
        await using var elsewhere = Elsewhere();
        await using var docmap = Redirecting(status, () => Target(elsewhere));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => DocMapClient.Create(ApiKey, Options(docmap.BaseAddress)).DeleteWebhookAsync("wh_1"));

        AssertRedirectError(error, status, elsewhere, "DELETE", "/v1/webhooks/wh_1");
        Assert.Equal(1, docmap.Connections); // a 3xx is not retried
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_POST_redirected_to_another_origin_throws_and_its_body_goes_nowhere_else(int status)
    {
        await using var elsewhere = Elsewhere();
        await using var docmap = Redirecting(status, () => Target(elsewhere));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() =>
            DocMapClient.Create(ApiKey, Options(docmap.BaseAddress)).CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        AssertRedirectError(error, status, elsewhere, "POST", "/v1/webhooks");
    }

    public static TheoryData<string> PrimaryHandlers => new() { "default", "SocketsHttpHandler", "HttpClientHandler", "wrapped SocketsHttpHandler" };

    [Theory]
    [MemberData(nameof(PrimaryHandlers))]
    public async Task AddDocMapClient_follows_no_redirect_whatever_primary_handler_the_user_configured(string primary)
    {
        await using var elsewhere = Elsewhere();
        await using var docmap = Redirecting(307, () => Target(elsewhere));
        var services = new ServiceCollection();
        var builder = services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = docmap.BaseAddress;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        switch (primary)
        {
            case "SocketsHttpHandler":
                builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 });
                break;
            case "HttpClientHandler":
                builder.ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = true });
                break;
            case "wrapped SocketsHttpHandler":
                builder.ConfigurePrimaryHttpMessageHandler(() => new PassThroughHandler(new SocketsHttpHandler { AllowAutoRedirect = true }));
                break;
        }

        await using var provider = services.BuildServiceProvider();
        var api = provider.GetRequiredService<IDocMapApi>();

        var delete = await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_1"));
        var post = await Assert.ThrowsAsync<DocMapApiException>(() => api.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        AssertRedirectError(delete, 307, elsewhere, "DELETE", "/v1/webhooks/wh_1");
        AssertRedirectError(post, 307, elsewhere, "POST", "/v1/webhooks");
    }

    [Fact]
    public async Task A_primary_handler_that_follows_redirects_on_its_own_is_caught_after_the_fact()
    {
        // A handler the SDK cannot reconfigure (here: it follows the redirect itself). The SDK sees the request's URI
        // change and refuses the answer instead of reporting "deleted".
        await using var elsewhere = Elsewhere();
        await using var docmap = Redirecting(307, () => Target(elsewhere));
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
            {
                o.ApiKey = ApiKey;
                o.BaseAddress = docmap.BaseAddress;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SelfRedirectingHandler());
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => provider.GetRequiredService<IDocMapApi>().DeleteWebhookAsync("wh_1"));

        Assert.Equal("DELETE", error.RequestMethod);
        Assert.Equal("/v1/webhooks/wh_1", error.RequestPath);
        Assert.Contains("redirect", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"http://127.0.0.1:{elsewhere.BaseAddress.Port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_Location_names_the_origin_it_resolves_to_and_never_its_userinfo()
    {
        await using var docmap = Redirecting(302, () => "/v1/other?token=x");
        await using var withUserInfo = Redirecting(307, () => "http://user:pa55word@127.0.0.1:9/v1/x");

        var relative = await Assert.ThrowsAsync<DocMapApiException>(() => DocMapClient.Create(ApiKey, Options(docmap.BaseAddress)).ListWebhooksAsync());
        var userInfo = await Assert.ThrowsAsync<DocMapApiException>(() => DocMapClient.Create(ApiKey, Options(withUserInfo.BaseAddress)).ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.Found, relative.StatusCode);
        Assert.Contains($"http://127.0.0.1:{docmap.BaseAddress.Port}", relative.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token", relative.Message, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:9", userInfo.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55word", userInfo.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("user", userInfo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_without_Location_still_names_the_status()
    {
        await using var docmap = new RawHttpServer((index, request, stream, socket, ct) =>
            RawHttpServer.WriteAsync(stream, "HTTP/1.1 303 See Other\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct));

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => DocMapClient.Create(ApiKey, Options(docmap.BaseAddress)).ListWebhooksAsync());

        Assert.Equal(HttpStatusCode.SeeOther, error.StatusCode);
        Assert.Contains("303 (SeeOther)", error.Message, StringComparison.Ordinal);
        Assert.Contains("no Location", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shared_handler_does_not_follow_redirects()
    {
        Assert.False(DocMapClient.SharedHandler.AllowAutoRedirect);
    }

    [Fact]
    public async Task A_primary_handler_that_already_sent_requests_and_follows_redirects_fails_with_a_clear_message()
    {
        using var used = new SocketsHttpHandler();
        using (var invoker = new HttpMessageInvoker(used, disposeHandler: false))
        {
            // Start one request so the handler's settings freeze (nothing listens on port 9).
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/");
                await invoker.SendAsync(request, CancellationToken.None);
            }
            catch (HttpRequestException)
            {
            }
        }

        var services = new ServiceCollection();
        services.AddDocMapClient(o => o.ApiKey = ApiKey).ConfigurePrimaryHttpMessageHandler(() => used);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IDocMapApi>());

        Assert.Contains("AllowAutoRedirect", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_the_user_added_that_rewrites_the_request_URI_is_not_taken_for_a_redirect()
    {
        // AddDocMapClient returns the IHttpClientBuilder so users add handlers; one that changes the request's URI on
        // purpose (here: a query parameter; a gateway prefix or a test host rewrite alike) is the user's own routing,
        // not a redirect the primary handler followed. Only the primary handler's redirects are refused.
        string? seenQuery = null;
        await using var docmap = new RawHttpServer((index, request, stream, socket, ct) =>
        {
            seenQuery = request.Split(' ')[1];
            return RawHttpServer.WriteAsync(stream, RawHttpServer.Response(200, "OK", Examples.ListWebhooksResponse), ct);
        });
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
            {
                o.ApiKey = ApiKey;
                o.BaseAddress = docmap.BaseAddress;
            })
            .AddHttpMessageHandler(() => new QueryAddingHandler());
        await using var provider = services.BuildServiceProvider();

        var webhooks = (await provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync()).Data;

        Assert.Single(webhooks);
        Assert.Equal("/v1/webhooks?trace=1", seenQuery);
    }

    [Fact]
    public async Task A_primary_handler_that_follows_redirects_on_its_own_is_caught_also_behind_the_users_handlers()
    {
        await using var elsewhere = Elsewhere();
        await using var docmap = Redirecting(307, () => Target(elsewhere));
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
            {
                o.ApiKey = ApiKey;
                o.BaseAddress = docmap.BaseAddress;
            })
            .AddHttpMessageHandler(() => new QueryAddingHandler())
            .ConfigurePrimaryHttpMessageHandler(() => new SelfRedirectingHandler());
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => provider.GetRequiredService<IDocMapApi>().DeleteWebhookAsync("wh_1"));

        Assert.Equal("DELETE", error.RequestMethod);
        Assert.Equal("/v1/webhooks/wh_1", error.RequestPath);
        Assert.Contains("redirected", error.Message, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{elsewhere.BaseAddress.Port}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A user's handler that adds a query parameter to every request.</summary>
    private sealed class QueryAddingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!) { Query = "trace=1" }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class PassThroughHandler(HttpMessageHandler inner) : DelegatingHandler(inner);

    /// <summary>Follows one redirect itself, as an opaque third-party handler might.</summary>
    private sealed class SelfRedirectingHandler : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _inner = new(new SocketsHttpHandler { AllowAutoRedirect = false });

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await _inner.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                request.RequestUri = location;
                response = await _inner.SendAsync(request, cancellationToken);
            }

            return response;
        }

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

using System.Reflection;

namespace DocMap.Client.Tests;

public sealed class CreateTests : WireMockTestBase
{
    [Fact]
    public void Create_builds_every_client_on_one_pooled_handler()
    {
        var first = DocMapClient.Create(ApiKey);
        var second = DocMapClient.Create(ApiKey, new DocMapClientOptions { MaxRetries = 0 });

        Assert.Same(PrimaryHandlerOf(first), PrimaryHandlerOf(second));
        var shared = Assert.IsType<SocketsHttpHandler>(PrimaryHandlerOf(first));
        Assert.Same(DocMapClient.SharedHandler, shared);
        Assert.True(shared.PooledConnectionLifetime > TimeSpan.Zero && shared.PooledConnectionLifetime <= TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Creating_a_client_per_call_many_times_works_and_leaves_the_shared_handler_usable()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);

        for (var i = 0; i < 200; i++)
        {
            Assert.Single((await CreateClient().ListWebhooksAsync()).Data);
        }

        Assert.Equal(200, Requests.Count);
    }

    /// <summary>Walks the client's HttpClient handler chain down to the primary handler.</summary>
    private static HttpMessageHandler PrimaryHandlerOf(IDocMapApi api)
    {
        var refit = api.GetType().GetField("_inner", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(api)!;
        var httpClient = (HttpClient)refit.GetType().GetProperty("Client", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(refit)!;
        var handler = (HttpMessageHandler)typeof(HttpMessageInvoker).GetField("_handler", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(httpClient)!;
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler!;
        }

        return handler;
    }
}

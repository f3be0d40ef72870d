using System.Net;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DocMap.Client.Tests;

/// <summary>A WireMock.Net server on loopback plus helpers to build clients against it.</summary>
public abstract class WireMockTestBase : IDisposable
{
    /// <summary>A key of the documented shape: dm_live_ + 64 hex.</summary>
    public const string ApiKey = "dm_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public const string Secret = "8f2a1c9e4b7d3f6a0e5c8b2d9f4a7e1c3b6d0f8a2e5c9b4d7f1a3e6c0b8d2f5a";

    protected WireMockTestBase()
    {
        Server = WireMockServer.Start();
    }

    protected WireMockServer Server { get; }

    protected IReadOnlyList<IRequestMessage> Requests => Server.LogEntries.Select(e => e.RequestMessage!).OrderBy(r => r.DateTime).ToList();

    protected IDocMapApi CreateClient(Action<DocMapClientOptions>? configure = null, string apiKey = ApiKey)
    {
        var options = new DocMapClientOptions { BaseAddress = new Uri(Server.Url!), RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        configure?.Invoke(options);
        return DocMapClient.Create(apiKey, options);
    }

    protected void Respond(string path, string method, int status, string? body = null, string contentType = "application/json", Action<IResponseBuilder>? extra = null)
    {
        var response = Response.Create().WithStatusCode(status);
        if (body is not null)
        {
            response = response.WithHeader("Content-Type", contentType).WithBody(body);
        }

        extra?.Invoke(response);
        Server.Given(Request.Create().WithPath(path).UsingMethod(method)).RespondWith(response);
    }

    protected static string Error(string code, string message) => $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""";

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The response shapes of DocMap's documented API (the <c>data</c> of each call), verbatim in structure.</summary>
public static class Examples
{
    public const string Webhook = """
        {"id":"wh_01HQ3K","userId":"usr_42","url":"https://example.com/webhooks/docmap","events":["extraction.completed","extraction.failed"],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"}
        """;

    public static readonly string CreateResponse = $$$"""{"data":{"secret":"{{{WireMockTestBase.Secret}}}","webhook":{{{Webhook}}}}}""";

    public static readonly string ListWebhooksResponse = $$"""{"data":[{{Webhook}}]}""";

    public const string DeliveriesResponse = """
        {"data":[
          {"id":"dlv_2","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_9","event":"extraction.failed","url":"https://example.com/webhooks/docmap","status":"failed","httpStatus":null,"error":"connect ECONNREFUSED","durationMs":10000,"createdAt":"2025-01-20T14:31:00.000Z"},
          {"id":"dlv_1","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_8","event":"extraction.completed","url":"https://example.com/webhooks/docmap","status":"success","httpStatus":200,"error":null,"durationMs":84,"createdAt":"2025-01-20T14:30:04.000Z"}
        ]}
        """;

    public const string DeleteResponse = """{"success":true}""";
}

/// <summary>A primary handler (real sockets) that counts the attempts that leave the client.</summary>
public sealed class CountingHandler : DelegatingHandler
{
    private int _count;

    public CountingHandler()
        : base(new SocketsHttpHandler())
    {
    }

    public int Count => Volatile.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return base.SendAsync(request, cancellationToken);
    }
}

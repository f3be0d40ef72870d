using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DocMap.Client;

namespace DocMap.Client.Benchmarks;

/// <summary>
/// The cost per call of the full DocMap client (validation, Refit, auth/User-Agent handler, timeout handler, Polly
/// policy, error mapping, source-generated JSON) against a hand-written HttpClient + source-generated System.Text.Json
/// baseline doing the same work, both over the same in-memory handler with canned responses.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ClientBenchmarks
{
    private const string ApiKey = "dm_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly Uri BaseAddress = new("https://api.docmap.io");
    private static readonly CreateWebhookRequest Request = new("https://example.com/webhooks/docmap", [WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed]);

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };
    private IDocMapApi _client = null!;
    private HttpClient _baseline = null!;
    private CannedHandler _handler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _handler = new CannedHandler();
        _client = DocMapClient.Create(ApiKey, new DocMapClientOptions { BaseAddress = BaseAddress }, _handler);
        _baseline = new HttpClient(_handler, disposeHandler: false) { BaseAddress = BaseAddress };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _baseline.Dispose();
        _handler.Dispose();
    }

    /// <summary>The baseline: the body serialized into a byte array (as the client does), so both send Content-Length.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("CreateWebhook")]
    public async Task<string> CreateWebhook_Baseline()
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(Request, BaselineJsonContext.Default.CreateWebhookRequest));
        content.Headers.ContentType = JsonMediaType;
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks") { Content = content };
        AddHeaders(message);
        using var response = await _baseline.SendAsync(message).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var envelope = await response.Content.ReadFromJsonAsync(BaselineJsonContext.Default.DataEnvelopeCreateWebhookResult).ConfigureAwait(false);
        return envelope!.Data.Webhook.Id;
    }

    /// <summary>The same with <c>JsonContent</c> (streamed, chunked body), for reference.</summary>
    [Benchmark]
    [BenchmarkCategory("CreateWebhook")]
    public async Task<string> CreateWebhook_BaselineJsonContent()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks")
        {
            Content = JsonContent.Create(Request, BaselineJsonContext.Default.CreateWebhookRequest),
        };
        AddHeaders(message);
        using var response = await _baseline.SendAsync(message).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var envelope = await response.Content.ReadFromJsonAsync(BaselineJsonContext.Default.DataEnvelopeCreateWebhookResult).ConfigureAwait(false);
        return envelope!.Data.Webhook.Id;
    }

    [Benchmark]
    [BenchmarkCategory("CreateWebhook")]
    public async Task<string> CreateWebhook_DocMapClient()
    {
        var envelope = await _client.CreateWebhookAsync(Request).ConfigureAwait(false);
        return envelope.Data.Webhook.Id;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("ListDeliveries100")]
    public async Task<int> ListDeliveries100_Baseline()
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, "/v1/webhooks/deliveries?limit=100");
        AddHeaders(message);
        using var response = await _baseline.SendAsync(message).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var envelope = await response.Content.ReadFromJsonAsync(BaselineJsonContext.Default.DataEnvelopeIReadOnlyListWebhookDelivery).ConfigureAwait(false);
        return envelope!.Data.Count;
    }

    [Benchmark]
    [BenchmarkCategory("ListDeliveries100")]
    public async Task<int> ListDeliveries100_DocMapClient()
    {
        var envelope = await _client.ListDeliveriesAsync(limit: 100).ConfigureAwait(false);
        return envelope.Data.Count;
    }

    private static void AddHeaders(HttpRequestMessage message)
    {
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        message.Headers.TryAddWithoutValidation("User-Agent", "DocMap.Client/0.1.0");
        message.Headers.TryAddWithoutValidation("Accept", "application/json");
    }
}

/// <summary>Answers every request in memory with a canned DocMap body; reads the request body as a transport would.</summary>
internal sealed class CannedHandler : HttpMessageHandler
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly byte[] _createResponse = Encoding.UTF8.GetBytes(CannedBodies.Create);
    private readonly byte[] _deliveriesResponse = Encoding.UTF8.GetBytes(CannedBodies.Deliveries(100));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        var body = request.Method == HttpMethod.Post ? _createResponse : _deliveriesResponse;
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }
}

internal static class CannedBodies
{
    public const string Create = """
        {"data":{"secret":"8f2a1c9e4b7d3f6a0e5c8b2d9f4a7e1c3b6d0f8a2e5c9b4d7f1a3e6c0b8d2f5a","webhook":{"id":"wh_01HQ3K","userId":"usr_42","url":"https://example.com/webhooks/docmap","events":["extraction.completed","extraction.failed"],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"}}}
        """;

    public static string Deliveries(int count)
    {
        var builder = new StringBuilder("{\"data\":[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            var failed = i % 5 == 0;
            builder.Append(System.Globalization.CultureInfo.InvariantCulture,
                $$"""{"id":"dlv_{{i:D6}}","userId":"usr_42","webhookId":"wh_01HQ3K","extractionId":"ext_{{i:D6}}","event":"{{(failed ? "extraction.failed" : "extraction.completed")}}","url":"https://example.com/webhooks/docmap","status":"{{(failed ? "failed" : "success")}}","httpStatus":{{(failed ? "null" : "200")}},"error":{{(failed ? "\"connect ECONNREFUSED\"" : "null")}},"durationMs":{{84 + i}},"createdAt":"2025-01-20T14:30:04.000Z"}""");
        }

        return builder.Append("]}").ToString();
    }
}

/// <summary>The baseline's own source-generated context over the same public models.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(DataEnvelope<CreateWebhookResult>))]
[JsonSerializable(typeof(DataEnvelope<IReadOnlyList<WebhookDelivery>>))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

internal static class Deliveries
{
    public const string Path = "/webhooks/docmap";

    public static string NewSecretText() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>A delivery body as DocMap sends it, padded with extracted data to about <paramref name="targetBytes"/>.</summary>
    public static byte[] Body(string extractionId, string eventType = "extraction.completed", int targetBytes = 1024, string marker = "BODY-MARKER-7f3c")
    {
        var head = $$"""{"event":"{{eventType}}","extractionId":"{{extractionId}}","createdAt":"2025-01-20T14:30:04.000Z","data":{"id":"{{extractionId}}","userId":"user_42","templateId":"tpl_7","templateName":"Invoice","fileName":"invoice.pdf","status":"completed","source":"api","processingTimeMs":1234,"createdAt":"2025-01-20T14:30:00.000Z","extractedData":{"marker":"{{marker}}","notes":" """;
        const string tail = "\"}}}";
        var padding = Math.Max(0, targetBytes - Encoding.UTF8.GetByteCount(head) - tail.Length);
        return Encoding.UTF8.GetBytes(head + new string('x', padding) + tail);
    }

    public static HttpRequestMessage Signed(byte[] body, WebhookSecret secret, string path = Path) =>
        Request(body, WebhookSigner.Sign(secret, body), path);

    public static HttpRequestMessage Request(byte[] body, string? signature, string path = Path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, signature);
        }

        return request;
    }
}

/// <summary>Records what handlers saw; a singleton in every test host.</summary>
public sealed class Recorder
{
    public ConcurrentQueue<WebhookEvent> Events { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public int Count => Events.Count;
}

/// <summary>A real Kestrel host on 127.0.0.1 port 0 (or a TestServer), with fake logging.</summary>
internal sealed class WebhookHost : IAsyncDisposable
{
    private WebhookHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public Recorder Recorder => App.Services.GetRequiredService<Recorder>();

    public FakeLogCollector Logs => App.Services.GetRequiredService<FakeLogCollector>();

    public IConfigurationRoot Configuration => (IConfigurationRoot)App.Configuration;

    public Uri BaseAddress => Client.BaseAddress!;

    private static readonly Lazy<string> EmptyContentRoot = new(() => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "empty-content-root")).FullName);

    public static WebApplicationBuilder CreateBuilder(IDictionary<string, string?>? settings, bool testServer)
    {
        // An empty content root: no appsettings*.json from the test output (the referenced sample copies its own there).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = EmptyContentRoot.Value });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.Services.AddSingleton<Recorder>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, TestJsonContext.Default));
        if (testServer)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        return builder;
    }

    public static Dictionary<string, string?> Settings(params string[] secrets)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < secrets.Length; i++)
        {
            settings[$"DocMap:Webhooks:Secrets:{i}"] = secrets[i];
        }

        return settings;
    }

    /// <summary>A Kestrel host whose webhook settings come from a configuration source the test can reload.</summary>
    public static async Task<(WebhookHost Host, ReloadableConfigurationSource Source)> StartReloadableAsync(Dictionary<string, string?> settings)
    {
        var source = new ReloadableConfigurationSource();
        source.Replace(settings);
        var host = await StartAsync(
            new Dictionary<string, string?>(),
            MapDocMapWebhooksTests.MapDelegate,
            configure: b => ((IConfigurationBuilder)b.Configuration).Add(source));
        return (host, source);
    }

    public static async Task<WebhookHost> StartAsync(
        IDictionary<string, string?> settings,
        Action<WebApplication> map,
        bool testServer = false,
        Action<WebApplicationBuilder>? configure = null)
    {
        var builder = CreateBuilder(settings, testServer);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        HttpClient client;
        if (testServer)
        {
            client = app.GetTestClient();
        }
        else
        {
            client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 })
            {
                BaseAddress = new Uri(app.Urls.Single()),
                Timeout = TimeSpan.FromSeconds(30),
            };
        }

        return new WebhookHost(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}

/// <summary>A DTO bound with [FromBody] behind RequireDocMapSignature.</summary>
public sealed record DeliveryDto(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("extractionId")] string ExtractionId);

[JsonSerializable(typeof(DeliveryDto))]
[JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>A content whose length is unknown, so HttpClient sends it chunked.</summary>
internal sealed class ChunkedContent(byte[] body, int chunkSize = 4096) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var offset = 0; offset < body.Length; offset += chunkSize)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunkSize, body.Length - offset)));
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

internal static class HttpAssert
{
    public static async Task<string> StatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text;
    }
}

/// <summary>An in-memory configuration source whose whole content can be replaced and reloaded, as a file or secret store reload does.</summary>
internal sealed class ReloadableConfigurationSource : IConfigurationSource
{
    private readonly ReloadableProvider _provider = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    /// <summary>Replaces every key and raises the reload token; exceptions from reload callbacks propagate.</summary>
    public void Replace(IDictionary<string, string?> data) => _provider.Replace(data);

    private sealed class ReloadableProvider : ConfigurationProvider
    {
        public void Replace(IDictionary<string, string?> data)
        {
            Data = new Dictionary<string, string?>(data, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}

/// <summary>One raw HTTP/1.1 connection to a test host, for tests where framing and timing matter.</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;

    private RawConnection(Socket socket) => _socket = socket;

    public static async Task<RawConnection> OpenAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseAddress.Port), cancellationToken);
            return new RawConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The head of a POST to <paramref name="path"/> with the given signature and framing headers.</summary>
    public static byte[] Head(string path, string? signature, string framing) =>
        Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            (signature is null ? "" : $"{WebhookSignatureOptions.DefaultHeaderName}: {signature}\r\n") +
            $"{framing}\r\n\r\n");

    /// <summary><paramref name="body"/> in chunked transfer coding, <paramref name="chunkSize"/> bytes a chunk.</summary>
    public static byte[] Chunked(byte[] body, int chunkSize)
    {
        using var wire = new MemoryStream((body.Length * 6) + 16);
        for (var offset = 0; offset < body.Length; offset += chunkSize)
        {
            var length = Math.Min(chunkSize, body.Length - offset);
            wire.Write(Encoding.ASCII.GetBytes(length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
            wire.Write(body, offset, length);
            wire.Write("\r\n"u8);
        }

        wire.Write("0\r\n\r\n"u8);
        return wire.ToArray();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    /// <summary>Reads the response head (up to the blank line); fails if the server closes first or the time runs out.</summary>
    public async Task<string> ReadHeadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.True(n > 0, $"The server closed the connection before the response head ended: '{text}'");
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads until the server closes the connection (an orderly close or a reset) or <paramref name="timeout"/> passes;
    /// returns what arrived and whether (and after how long, from <paramref name="since"/>) it was closed.
    /// </summary>
    public async Task<RawReply> ReadUntilClosedAsync(TimeSpan timeout, Stopwatch since)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return new RawReply(Encoding.ASCII.GetString(received.ToArray()), Closed: true, Reset: false, since.Elapsed);
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return new RawReply(Encoding.ASCII.GetString(received.ToArray()), Closed: true, Reset: true, since.Elapsed);
        }
        catch (OperationCanceledException)
        {
            return new RawReply(Encoding.ASCII.GetString(received.ToArray()), Closed: false, Reset: false, since.Elapsed);
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>What a raw connection received before the server closed it (or the wait ended).</summary>
internal readonly record struct RawReply(string Text, bool Closed, bool Reset, TimeSpan After);

/// <summary>Tests that measure process memory or time run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "Solo: memory and timing";
}

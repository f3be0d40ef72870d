using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DocMap.Cli.Tests;

/// <summary>
/// A loopback Kestrel server speaking the emulator's control API contract (notes/emulator-control-api.md) as far as
/// <c>docmap trigger</c> uses it — <c>GET /_emulator</c> and <c>POST /_emulator/trigger</c>, both behind a bearer key —
/// or, by <see cref="Mode"/>, answering as something that is not an emulator.
/// </summary>
public sealed class FakeControlApi : IAsyncDisposable
{
    public enum Behaviour
    {
        /// <summary>The emulator, per the contract.</summary>
        Emulator,

        /// <summary>DocMap's real API: no /_emulator route (404 NOT_FOUND).</summary>
        RealApiNotFound,

        /// <summary>DocMap's real API refusing the key (401 UNAUTHORIZED).</summary>
        RealApiUnauthorized,

        /// <summary>Some other JSON service answering 200 with another shape.</summary>
        OtherShape,

        /// <summary>A web page answering 200 with HTML.</summary>
        Html,

        /// <summary>A redirect elsewhere (the key must not follow it).</summary>
        Redirect,

        /// <summary>A hostile server: 200 with an endless JSON-looking body, streamed without a length.</summary>
        Endless,

        /// <summary>A server that accepts the request and never answers.</summary>
        Stall,
    }

    /// <summary>How many bytes the endless bodies were given to write (Kestrel drops writes once the client is gone).</summary>
    public long EndlessBytesWritten => Interlocked.Read(ref _endlessBytes);

    private long _endlessBytes;

    public const string Key = "dm_test_control0000000000000000000000000000000000000000000000000000000000";

    private readonly WebApplication _app;

    private FakeControlApi(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public Behaviour Mode { get; set; } = Behaviour.Emulator;

    /// <summary>Every request: method, path, and whether it carried the right key.</summary>
    public ConcurrentQueue<(string Method, string Path, bool Authorized)> Requests { get; } = new();

    /// <summary>The JSON bodies of POST /_emulator/trigger.</summary>
    public ConcurrentQueue<JsonNode> Triggers { get; } = new();

    /// <summary>The deliveries answered to the next triggers (per call, built from the request).</summary>
    public Func<JsonNode, JsonArray> Deliveries { get; set; } = request => new JsonArray
    {
        Delivery("dlv_1", "wh_1", request["extractionId"]?.GetValue<string>() ?? "ext_generated", request["event"]!.GetValue<string>(), "success", 200, null),
    };

    /// <summary>Makes POST /_emulator/trigger answer this error instead.</summary>
    public (int Status, string Code, string Message)? TriggerError { get; set; }

    public static JsonObject Delivery(string id, string webhookId, string extractionId, string eventName, string status, int? httpStatus, string? error) => new()
    {
        ["id"] = id,
        ["webhookId"] = webhookId,
        ["extractionId"] = extractionId,
        ["event"] = eventName,
        ["url"] = "http://127.0.0.1:9/hook",
        ["status"] = status,
        ["httpStatus"] = httpStatus,
        ["error"] = error,
        ["durationMs"] = 12,
        ["createdAt"] = "2025-01-20T14:30:04.000Z",
    };

    public static async Task<FakeControlApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeControlApi? fake = null;

        app.Use(async (context, next) =>
        {
            var authorized = context.Request.Headers.Authorization.ToString() == "Bearer " + Key;
            fake!.Requests.Enqueue((context.Request.Method, context.Request.Path.Value ?? string.Empty, authorized));
            switch (fake.Mode)
            {
                case Behaviour.RealApiNotFound:
                    await Error(context, 404, "NOT_FOUND", "Not found.");
                    return;
                case Behaviour.RealApiUnauthorized:
                    await Error(context, 401, "UNAUTHORIZED", "Missing or invalid API key.");
                    return;
                case Behaviour.OtherShape:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("""{"data":{"name":"something-else","version":"1"}}""");
                    return;
                case Behaviour.Html:
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Welcome</body></html>");
                    return;
                case Behaviour.Redirect:
                    context.Response.StatusCode = 302;
                    context.Response.Headers.Location = "http://127.0.0.1:1/_emulator";
                    return;
                case Behaviour.Endless:
                    await WriteEndlessAsync(context, fake);
                    return;
                case Behaviour.Stall:
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return;
            }

            if (!authorized)
            {
                await Error(context, 401, "UNAUTHORIZED", "Missing or invalid API key.");
                return;
            }

            await next(context);
        });

        app.MapGet("/_emulator", () => Results.Json(new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["name"] = "docmap-emulator",
                ["version"] = "0.1.0",
                ["url"] = fake!.Url.AbsoluteUri,
                ["userId"] = "usr_fake",
                ["signature"] = new JsonObject { ["headerName"] = "X-DocMap-Signature", ["keyDerivation"] = "utf8Text", ["prefix"] = "" },
            },
        }));

        app.MapPost("/_emulator/trigger", async (HttpContext context) =>
        {
            var request = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
            fake!.Triggers.Enqueue(request);
            if (fake.TriggerStall != Stall.None)
            {
                if (fake.TriggerStall == Stall.Body)
                {
                    // Headers and the start of a body, then nothing: bounded at 60 s, or until the client goes away.
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("{\"data\":{\"deliveries\":[");
                    await context.Response.Body.FlushAsync();
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }

            if (fake.EndlessTrigger)
            {
                await WriteEndlessAsync(context, fake);
                return;
            }

            if (fake.TriggerError is { } error)
            {
                await Error(context, error.Status, error.Code, error.Message);
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["data"] = new JsonObject { ["deliveries"] = fake.Deliveries(request) } }.ToJsonString());
        });

        await app.StartAsync();
        var url = new Uri(app.Urls.Single().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/");
        fake = new FakeControlApi(app, url);
        return fake;
    }

    /// <summary>Where POST /_emulator/trigger stalls (GET /_emulator stays well-behaved).</summary>
    public enum Stall
    {
        None,

        /// <summary>Never sends the answer's headers.</summary>
        Headers,

        /// <summary>Sends the headers and the start of the body, then nothing.</summary>
        Body,
    }

    public Stall TriggerStall { get; set; }

    /// <summary>Makes POST /_emulator/trigger answer with an endless body (GET /_emulator stays well-behaved).</summary>
    public bool EndlessTrigger { get; set; }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static async Task WriteEndlessAsync(HttpContext context, FakeControlApi fake)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"data\":{\"name\":\"docmap-emulator\",\"pad\":\"");
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        try
        {
            // Bounded: 512 MiB at most, and it stops as soon as the client disconnects.
            for (var i = 0; i < 8192 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                Interlocked.Add(ref fake._endlessBytes, chunk.Length);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    private static Task Error(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());
    }
}

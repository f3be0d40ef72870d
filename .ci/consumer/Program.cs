// A consumer of the packed DocMap packages: creates a client and calls a loopback stand-in for DocMap, maps an error,
// registers the client with dependency injection, signs and verifies a delivery, and runs the emulator
// (DocMap.Client.Testing) against a receiver (DocMap.Client.Signatures.AspNetCore). Exits non-zero on any failure.
using System.Net;
using System.Net.Sockets;
using System.Text;
using DocMap.Client;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using DocMap.Client.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

var failures = new List<string>();
void Check(bool condition, string what)
{
    Console.WriteLine($"{(condition ? "ok  " : "FAIL")} {what}");
    if (!condition)
    {
        failures.Add(what);
    }
}

const string apiKey = "dm_test_consumer";
const string webhookJson = """{"id":"wh_1","userId":"usr_1","url":"https://example.com/h","events":["extraction.completed"],"active":true,"createdAt":"2025-01-20T14:30:04.000Z"}""";

// 1. The client over real HTTP, against a one-connection-per-request loopback server.
using var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
var port = ((IPEndPoint)listener.LocalEndpoint).Port;
var requests = new List<string>();
var server = Task.Run(async () =>
{
    for (var i = 0; i < 2; i++)
    {
        using var socket = await listener.AcceptTcpClientAsync();
        var stream = socket.GetStream();
        var buffer = new byte[8192];
        var head = new StringBuilder();
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = head.ToString();
        lock (requests)
        {
            requests.Add(text);
        }

        var (status, body) = text.StartsWith("GET /v1/webhooks ", StringComparison.Ordinal)
            ? ("200 OK", $$"""{"data":[{{webhookJson}}]}""")
            : ("404 Not Found", """{"error":{"code":"NOT_FOUND","message":"Webhook not found"}}""");
        var bytes = Encoding.UTF8.GetBytes(body);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(bytes);
    }
});

var client = DocMapClient.Create(apiKey, new DocMapClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });
var webhooks = (await client.ListWebhooksAsync()).Data;
Check(webhooks.Count == 1 && webhooks[0].Id == "wh_1" && webhooks[0].Events[0] == WebhookEventType.ExtractionCompleted, "ListWebhooksAsync parses the response");
Check(webhooks[0].CreatedAt == new DateTimeOffset(2025, 1, 20, 14, 30, 4, TimeSpan.Zero), "timestamps parse as DateTimeOffset");

try
{
    await client.DeleteWebhookAsync("wh_gone");
    Check(false, "DeleteWebhookAsync of a missing webhook throws");
}
catch (DocMapApiException ex)
{
    Check(ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode == DocMapErrorCodes.NotFound && ex.RequestPath == "/v1/webhooks/wh_gone", "404 becomes DocMapApiException with NOT_FOUND");
}

await server.WaitAsync(TimeSpan.FromSeconds(30));
Check(requests.All(r => r.Contains($"Authorization: Bearer {apiKey}", StringComparison.Ordinal)), "every request carries the bearer key");
Check(requests.All(r => r.Contains("User-Agent: DocMap.Client/", StringComparison.Ordinal)), "every request carries the SDK's User-Agent");

// 2. Argument validation before any request.
try
{
    await client.ListDeliveriesAsync(limit: 0);
    Check(false, "limit 0 is rejected");
}
catch (ArgumentOutOfRangeException ex)
{
    Check(ex.ParamName == "limit", "limit 0 is rejected naming the parameter");
}

// 3. Dependency injection with start-up validation.
var services = new ServiceCollection();
services.AddDocMapClient(o => o.ApiKey = "");
using (var provider = services.BuildServiceProvider())
{
    try
    {
        provider.GetRequiredService<IStartupValidator>().Validate();
        Check(false, "a missing ApiKey fails start-up validation");
    }
    catch (OptionsValidationException ex)
    {
        Check(ex.Message.Contains("ApiKey", StringComparison.Ordinal), "a missing ApiKey fails start-up validation naming it");
    }
}

var goodServices = new ServiceCollection();
goodServices.AddDocMapClient(o => o.ApiKey = apiKey);
using (var provider = goodServices.BuildServiceProvider())
{
    Check(provider.GetRequiredService<IDocMapApi>() is not null, "AddDocMapClient registers IDocMapApi");
}

// 4. Signatures: parse a secret, sign and verify a delivery.
var secret = WebhookSecret.Parse("8f2a1c9e4b7d3f6a0e5c8b2d9f4a7e1c3b6d0f8a2e5c9b4d7f1a3e6c0b8d2f5a");
Check(!secret.ToString().Contains("8f2a1c9e", StringComparison.Ordinal), "WebhookSecret.ToString() is redacted");
var payload = Encoding.UTF8.GetBytes("""{"event":"extraction.completed","extractionId":"ext_1"}""");
var signature = WebhookSigner.Sign(secret, payload);
var verifier = new WebhookSignatureVerifier(secret);
Check(verifier.Verify(payload, signature).IsValid, "a signed payload verifies");
var tampered = (byte[])payload.Clone();
tampered[^2] ^= 1;
Check(!verifier.Verify(tampered, signature).IsValid, "a tampered payload does not verify");
Check(new WebhookEventType("extraction.archived").ToString() == "extraction.archived", "unknown event types round-trip");

// 5. The emulator delivers signed events to a Kestrel receiver that verifies them with MapDocMapWebhooks.
await using (var emulator = DocMapEmulator.Start())
{
    var docmap = emulator.CreateClient();
    int receiverPort;
    using (var probe = new TcpListener(IPAddress.Loopback, 0))
    {
        probe.Start();
        receiverPort = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    var created = (await docmap.CreateWebhookAsync(new CreateWebhookRequest(
        $"http://127.0.0.1:{receiverPort}/webhooks/docmap", [WebhookEventType.ExtractionCompleted]))).Data;

    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls($"http://127.0.0.1:{receiverPort}");
    builder.Services.AddDocMapWebhooks(o => o.Secrets.Add(created.Secret));
    var received = new List<WebhookEvent>();
    await using var receiver = builder.Build();
    receiver.MapDocMapWebhooks("/webhooks/docmap", (WebhookEvent e) =>
    {
        lock (received)
        {
            received.Add(e);
        }
    });
    await receiver.StartAsync();

    var deliveries = await emulator.TriggerAsync(WebhookEventType.ExtractionCompleted);
    Check(deliveries.Count == 1 && deliveries[0].HttpStatus == 200, "the emulator's signed delivery is accepted by the receiver");
    Check(received.Count == 1 && received[0].Type == WebhookEventType.ExtractionCompleted, "the receiver's handler got the verified event");
    var log = (await docmap.ListDeliveriesAsync(created.Webhook.Id)).Data;
    Check(log.Count == 1 && log[0].Status == DeliveryStatus.Success, "the delivery log records the success");
    await receiver.StopAsync();
}

Console.WriteLine(failures.Count == 0 ? "consumer: all checks passed" : $"consumer: {failures.Count} check(s) failed");
return failures.Count == 0 ? 0 : 1;

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

public sealed class LoggingTests
{
    [Fact]
    public async Task Failures_are_logged_at_Warning_with_reason_address_length_and_fingerprint_and_no_secret_signature_or_body()
    {
        var secretText = Deliveries.NewSecretText();
        var secret = WebhookSecret.Parse(secretText);
        var otherText = Deliveries.NewSecretText();
        var settings = WebhookHost.Settings(secretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "8192";
        await using var host = await WebhookHost.StartAsync(settings, MapDocMapWebhooksTests.MapDelegate);
        const string marker = "SECRET-BODY-CONTENT-91ab";
        var body = Deliveries.Body("ext_log", marker: marker);
        var goodSignature = WebhookSigner.Sign(secret, body);
        var wrongSignature = WebhookSigner.Sign(WebhookSecret.Parse(otherText), body);
        var notJson = Encoding.UTF8.GetBytes("<xml>" + marker + "</xml>");
        var notJsonSignature = WebhookSigner.Sign(secret, notJson);
        var throwBody = Deliveries.Body("ext_throw", marker: marker);
        var throwSignature = WebhookSigner.Sign(secret, throwBody);
        var tooLarge = Deliveries.Body("ext_large", targetBytes: 9000, marker: marker);

        var cases = new (HttpRequestMessage Request, HttpStatusCode Expected)[]
        {
            (Deliveries.Request(body, goodSignature), HttpStatusCode.OK),
            (Deliveries.Request(body, wrongSignature), HttpStatusCode.Unauthorized),
            (Deliveries.Request(body, null), HttpStatusCode.Unauthorized),
            (Deliveries.Request(body, "sha256=" + marker), HttpStatusCode.Unauthorized),
            (Deliveries.Request(notJson, notJsonSignature), HttpStatusCode.BadRequest),
            (Deliveries.Request(throwBody, throwSignature), HttpStatusCode.InternalServerError),
            (Deliveries.Request(tooLarge, WebhookSigner.Sign(secret, tooLarge)), HttpStatusCode.RequestEntityTooLarge),
        };
        foreach (var (request, expected) in cases)
        {
            using (request)
            using (var response = await host.Client.SendAsync(request))
            {
                Assert.Equal(expected, response.StatusCode);
            }
        }

        var records = host.Logs.GetSnapshot();
        var forbidden = new[] { secretText, secretText.ToUpperInvariant(), otherText, goodSignature, wrongSignature, notJsonSignature, throwSignature, marker, "<xml>" };
        foreach (var record in records)
        {
            var text = Describe(record);
            foreach (var value in forbidden)
            {
                Assert.DoesNotContain(value, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        var rejections = records.Where(r => r.Id.Id == 4002).ToList();
        Assert.Equal(3, rejections.Count);
        Assert.All(rejections, r =>
        {
            Assert.Equal(LogLevel.Warning, r.Level);
            Assert.Equal("WebhookSignatureRejected", r.Id.Name);
            Assert.Equal("127.0.0.1", r.GetStructuredStateValue("RemoteAddress"));
            Assert.Equal(body.Length.ToString(CultureInfo.InvariantCulture), r.GetStructuredStateValue("ContentLength"));
            Assert.Equal(secret.Fingerprint, r.GetStructuredStateValue("KeyFingerprints"));
        });
        Assert.Equal(
            ["SignatureMismatch", "MissingSignature", "MalformedSignature"],
            rejections.Select(r => r.GetStructuredStateValue("Reason") ?? "").ToArray());

        var invalid = Assert.Single(records, r => r.Id.Id == 4004);
        Assert.Equal(LogLevel.Warning, invalid.Level);
        Assert.Equal(secret.Fingerprint, invalid.GetStructuredStateValue("KeyFingerprint"));
        Assert.Single(records, r => r.Id.Id == 4003 && r.Level == LogLevel.Warning);
        Assert.Single(records, r => r.Id.Id == 4005 && r.Level == LogLevel.Error);
        var verified = records.Where(r => r.Id.Id == 4001).ToList();
        Assert.Equal(2, verified.Count); // the valid delivery and the one whose handler threw; the non-JSON one never parsed
        Assert.All(verified, r => Assert.Equal(secret.Fingerprint, r.GetStructuredStateValue("KeyFingerprint")));
    }

    [Fact]
    public async Task Values_from_the_body_reach_the_logger_with_control_characters_escaped_and_otherwise_intact()
    {
        var secretText = Deliveries.NewSecretText();
        var secret = WebhookSecret.Parse(secretText);
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(secretText), app =>
        {
            MapDocMapWebhooksTests.MapDelegate(app);
            app.MapDocMapWebhooks<ThrowingHandler>("/throws");
        });
        var body = Encoding.UTF8.GetBytes(
            """{"event":"extraction.completed\u001b[31m","extractionId":"ext_é\r\ninfo: Microsoft.Hosting.Lifetime[0]\u2028\u202e"}""");

        using (var verified = await host.Client.SendAsync(Deliveries.Signed(body, secret)))
        using (var failed = await host.Client.SendAsync(Deliveries.Signed(body, secret, "/throws")))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, verified);
            await HttpAssert.StatusAsync(HttpStatusCode.InternalServerError, failed);
        }

        const string escapedId = "ext_é\\r\\ninfo: Microsoft.Hosting.Lifetime[0]\\u2028\\u202E";
        const string escapedType = "extraction.completed\\u001B[31m";
        var records = host.Logs.GetSnapshot().Where(r => r.Id.Id is 4001 or 4005).ToList();
        Assert.Equal(3, records.Count); // 4001 twice (both verified), 4005 once
        Assert.All(records, r =>
        {
            Assert.Equal(escapedId, r.GetStructuredStateValue("ExtractionId"));
            Assert.Equal(escapedType, r.GetStructuredStateValue("EventType"));
            Assert.DoesNotContain(r.Message, c => c is '\r' or '\n' or '\u001b' or '\u2028' or '\u202e');
        });

        // The handler itself still gets the value as signed.
        Assert.Equal("ext_é\r\ninfo: Microsoft.Hosting.Lifetime[0]\u2028\u202e", Assert.Single(host.Recorder.Events).ExtractionId);
    }

    private sealed class ThrowingHandler : DocMapWebhookHandler
    {
        public override Task HandleAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("handler failure for the test");
    }

    private static string Describe(FakeLogRecord record)
    {
        var text = new StringBuilder();
        text.Append(record.Message).Append('|').Append(record.Category).Append('|').Append(record.Exception);
        foreach (var pair in record.StructuredState ?? [])
        {
            text.Append('|').Append(pair.Key).Append('=').Append(pair.Value);
        }

        foreach (var scope in record.Scopes)
        {
            text.Append('|').Append(scope);
        }

        return text.ToString();
    }
}

public sealed class LoadTests
{
    [Fact]
    public async Task Two_thousand_concurrent_valid_deliveries_over_16_connections_all_answer_200()
    {
        const int deliveries = 2000;
        const int connections = 16;
        var secretText = Deliveries.NewSecretText();
        var secret = WebhookSecret.Parse(secretText);
        var remotePorts = new ConcurrentDictionary<int, int>();
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(secretText), app =>
            app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, HttpContext context, Recorder recorder) =>
            {
                remotePorts.AddOrUpdate(context.Connection.RemotePort, 1, (_, n) => n + 1);
                recorder.Events.Enqueue(webhook);
            }),
            configure: b => b.Logging.SetMinimumLevel(LogLevel.Information));
        var clients = Enumerable.Range(0, connections)
            .Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
            {
                BaseAddress = host.BaseAddress,
                Timeout = TimeSpan.FromSeconds(90),
            })
            .ToArray();
        try
        {
            var requests = Enumerable.Range(0, deliveries).Select(async i =>
            {
                var body = Deliveries.Body($"ext_{i:D5}");
                using var request = Deliveries.Signed(body, secret);
                using var response = await clients[i % connections].SendAsync(request);
                return response.StatusCode;
            });

            var statuses = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(120));

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            Assert.Equal(deliveries, host.Recorder.Count);
            Assert.Equal(deliveries, host.Recorder.Events.Select(e => e.ExtractionId).Distinct().Count());
            Assert.InRange(remotePorts.Count, 1, connections);
            Assert.Equal(deliveries, remotePorts.Values.Sum());
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}

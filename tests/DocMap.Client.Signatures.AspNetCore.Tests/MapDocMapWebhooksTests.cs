using System.Net;
using System.Text;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>The owned endpoint, on a real Kestrel host over loopback.</summary>
public sealed class MapDocMapWebhooksTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    internal static void MapDelegate(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder, CancellationToken cancellationToken) =>
        {
            Assert.False(cancellationToken.IsCancellationRequested);
            recorder.Events.Enqueue(webhook);
            if (webhook.ExtractionId == "ext_throw")
            {
                throw new InvalidOperationException("handler failure for the test");
            }
        });

    [Fact]
    public async Task Valid_delivery_calls_the_delegate_handler_exactly_once_with_the_typed_event()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);
        var body = Deliveries.Body("ext_valid1");

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var webhook = Assert.Single(host.Recorder.Events);
        Assert.Equal(WebhookEventType.ExtractionCompleted, webhook.Type);
        Assert.Equal("ext_valid1", webhook.ExtractionId);
        Assert.Equal("invoice.pdf", webhook.Extraction?.FileName);
        Assert.Equal(Encoding.UTF8.GetString(body), webhook.RawJson);
    }

    [Fact]
    public async Task Valid_delivery_is_dispatched_to_the_class_handler_by_event_type()
    {
        await using var host = await WebhookHost.StartAsync(
            WebhookHost.Settings(SecretText),
            app => app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path),
            configure: b => b.Services.AddScoped<RecordingHandler>());

        foreach (var (id, type) in new[] { ("ext_c", "extraction.completed"), ("ext_f", "extraction.failed"), ("ext_u", "extraction.archived") })
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body(id, type), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        Assert.Equal(["completed:ext_c", "failed:ext_f", "unknown:extraction.archived:ext_u"], host.Recorder.Calls.ToArray());
    }

    [Fact]
    public async Task Unregistered_class_handler_is_created_per_request_with_its_dependencies()
    {
        await using var host = await WebhookHost.StartAsync(
            WebhookHost.Settings(SecretText), app => app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path));

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_act"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(["completed:ext_act"], host.Recorder.Calls.ToArray());
    }

    public static TheoryData<string, string?> BadSignatures()
    {
        var body = Deliveries.Body("ext_bad");
        var other = WebhookSecret.Parse(Deliveries.NewSecretText());
        var tamperedSignature = WebhookSigner.Sign(Secret, body).ToCharArray();
        tamperedSignature[10] = tamperedSignature[10] == 'a' ? 'b' : 'a';
        return new TheoryData<string, string?>
        {
            { "unsigned", null },
            { "empty", "" },
            { "wrong secret", WebhookSigner.Sign(other, body) },
            { "signature of another body", WebhookSigner.Sign(Secret, Deliveries.Body("ext_other")) },
            { "flipped signature", new string(tamperedSignature) },
            { "garbage", "not-a-signature" },
            { "non-hex of the right length", new string('g', 64) },
            { "prefix only", "sha256=" },
            { "truncated", WebhookSigner.Sign(Secret, body)[..63] },
            { "huge header", new string('a', 16 * 1024) },
            { "many wrong signatures", string.Join(",", Enumerable.Repeat(WebhookSigner.Sign(other, body), 100)) },
        };
    }

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task Bad_signatures_answer_401_with_one_generic_body_and_never_reach_either_handler(string caseName, string? signature)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
        });
        var body = Deliveries.Body("ext_bad");

        using var viaDelegate = await host.Client.SendAsync(Deliveries.Request(body, signature));
        using var viaClass = await host.Client.SendAsync(Deliveries.Request(body, signature, "/class"));
        using var unsigned = await host.Client.SendAsync(Deliveries.Request(body, null));

        var text1 = await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, viaDelegate);
        var text2 = await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, viaClass);
        var generic = await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, unsigned);
        Assert.Equal(generic, text1);
        Assert.Equal(generic, text2);
        Assert.Contains("INVALID_SIGNATURE", generic, StringComparison.Ordinal);
        Assert.Equal(0, host.Recorder.Count);
        Assert.Empty(host.Recorder.Calls);
        Assert.False(string.IsNullOrEmpty(caseName));
    }

    [Fact]
    public async Task Tampered_body_with_the_original_signature_answers_401()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);
        var body = Deliveries.Body("ext_tamper");
        var signature = WebhookSigner.Sign(Secret, body);
        var tampered = (byte[])body.Clone();
        tampered[^10] ^= 0x01;

        using var response = await host.Client.SendAsync(Deliveries.Request(tampered, signature));

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        Assert.Equal(0, host.Recorder.Count);
    }

    [Theory]
    [InlineData("sha256={0}")]
    [InlineData("UPPER")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000,{0}")]
    public async Task Accepted_signature_forms_verify(string format)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);
        var body = Deliveries.Body("ext_forms");
        var signature = WebhookSigner.Sign(Secret, body);
        var header = format == "UPPER" ? signature.ToUpperInvariant() : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, signature);

        using var response = await host.Client.SendAsync(Deliveries.Request(body, header));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(1, host.Recorder.Count);
    }

    [Fact]
    public async Task Any_configured_secret_verifies()
    {
        var second = Deliveries.NewSecretText();
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText, second), MapDelegate);

        using var first = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_s1"), Secret));
        using var other = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_s2"), WebhookSecret.Parse(second)));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, first);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, other);
        Assert.Equal(["ext_s1", "ext_s2"], host.Recorder.Events.Select(e => e.ExtractionId ?? "").Order().ToArray());
    }

    [Fact]
    public async Task Oversize_body_with_content_length_answers_413_before_reading()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "4096";
        await using var host = await WebhookHost.StartAsync(settings, app =>
        {
            MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
        });
        var body = Deliveries.Body("ext_big", targetBytes: 64 * 1024);

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var viaClass = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/class"));

        Assert.Contains("PAYLOAD_TOO_LARGE", await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, response), StringComparison.Ordinal);
        await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, viaClass);
        Assert.Equal(0, host.Recorder.Count);
        Assert.Empty(host.Recorder.Calls);
        var records = host.Logs.GetSnapshot().Where(r => r.Id.Id == 4003).ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, r.Level);
            Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), r.GetStructuredStateValue("ContentLength"));
        });
    }

    [Fact]
    public async Task Oversize_chunked_body_without_content_length_answers_413()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "4096";
        await using var host = await WebhookHost.StartAsync(settings, MapDelegate);
        var body = Deliveries.Body("ext_chunked", targetBytes: 64 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, Deliveries.Path) { Content = new ChunkedContent(body, 1024) };
        request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(Secret, body));

        using var response = await host.Client.SendAsync(request);

        Assert.True(request.Headers.TransferEncodingChunked ?? request.Content.Headers.ContentLength is null);
        await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, response);
        Assert.Equal(0, host.Recorder.Count);
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Id.Id == 4003 && r.GetStructuredStateValue("ContentLength") is null or "(null)");
    }

    [Fact]
    public async Task Bodies_exactly_at_the_limit_are_accepted_with_and_without_content_length()
    {
        var body = Deliveries.Body("ext_limit", targetBytes: 8 * 1024);
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var host = await WebhookHost.StartAsync(settings, MapDelegate);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, Deliveries.Path) { Content = new ChunkedContent(body, 1000) };
        chunked.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(Secret, body));

        using var withLength = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var withoutLength = await host.Client.SendAsync(chunked);

        await HttpAssert.StatusAsync(HttpStatusCode.OK, withLength);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, withoutLength);
        Assert.All(host.Recorder.Events, e => Assert.Equal(Encoding.UTF8.GetString(body), e.RawJson));
        Assert.Equal(2, host.Recorder.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Large_bodies_within_the_default_limit_arrive_whole(bool chunked)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);
        var body = Deliveries.Body("ext_large", targetBytes: 300 * 1024);
        using var request = chunked
            ? new HttpRequestMessage(HttpMethod.Post, Deliveries.Path) { Content = new ChunkedContent(body, 7000) }
            : Deliveries.Request(body, null);
        request.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(Secret, body));

        using var response = await host.Client.SendAsync(request);

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(Encoding.UTF8.GetString(body), Assert.Single(host.Recorder.Events).RawJson);
    }

    [Fact]
    public async Task A_lower_server_body_limit_does_not_reject_bodies_within_MaxBodyBytes()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "16384";
        await using var host = await WebhookHost.StartAsync(settings, MapDelegate,
            configure: b => b.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 4096));
        var body = Deliveries.Body("ext_kestrel", targetBytes: 12 * 1024);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, Deliveries.Path) { Content = new ChunkedContent(body, 1000) };
        chunked.Headers.TryAddWithoutValidation(WebhookSignatureOptions.DefaultHeaderName, WebhookSigner.Sign(Secret, body));
        var tooLarge = Deliveries.Body("ext_kestrel_big", targetBytes: 20 * 1024);

        using var withLength = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var withoutLength = await host.Client.SendAsync(chunked);
        using var over = await host.Client.SendAsync(Deliveries.Signed(tooLarge, Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, withLength);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, withoutLength);
        await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, over);
        Assert.Equal(2, host.Recorder.Count);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("[1,2,3]")]
    [InlineData("\"a string\"")]
    [InlineData("")]
    [InlineData("{\"event\":")]
    public async Task Signed_body_that_is_not_a_JSON_object_answers_400(string text)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
        });
        var body = Encoding.UTF8.GetBytes(text);

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret));
        using var viaClass = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/class"));

        Assert.Contains("INVALID_PAYLOAD", await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, response), StringComparison.Ordinal);
        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, viaClass);
        Assert.Equal(0, host.Recorder.Count);
        Assert.Empty(host.Recorder.Calls);
    }

    [Fact]
    public async Task Handler_that_throws_answers_500_and_is_logged()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
        });

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throw"), Secret));
        using var viaClass = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throw"), Secret, "/class"));

        var text = await HttpAssert.StatusAsync(HttpStatusCode.InternalServerError, response);
        await HttpAssert.StatusAsync(HttpStatusCode.InternalServerError, viaClass);
        Assert.DoesNotContain("handler failure", text, StringComparison.Ordinal);
        var errors = host.Logs.GetSnapshot().Where(r => r.Id.Id == 4005).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, r =>
        {
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, r.Level);
            Assert.IsType<InvalidOperationException>(r.Exception);
            Assert.Equal("ext_throw", r.GetStructuredStateValue("ExtractionId"));
        });
    }

    [Fact]
    public async Task Endpoint_answers_only_POST()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);

        using var response = await host.Client.GetAsync(Deliveries.Path);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Returns_the_convention_builder_so_endpoint_filters_and_metadata_compose()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
            app.MapDocMapWebhooks(Deliveries.Path, (WebhookEvent webhook, Recorder recorder) => recorder.Events.Enqueue(webhook))
                .AddEndpointFilter(async (context, next) =>
                {
                    context.HttpContext.RequestServices.GetRequiredService<Recorder>().Calls.Enqueue("filter");
                    return await next(context);
                })
                .WithName("docmap-webhooks"));

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_filter"), Secret));
        using var unsigned = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_filter"), null));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, unsigned);
        Assert.Equal(["filter"], host.Recorder.Calls.ToArray());
        Assert.Equal(1, host.Recorder.Count);
    }

    [Fact]
    public async Task Mapping_without_AddDocMapWebhooks_fails_with_a_clear_message()
    {
        var builder = WebhookHost.CreateBuilder(null, testServer: true);
        await using var app = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path));
        Assert.Contains("AddDocMapWebhooks", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => app.UseDocMapWebhookSignatures());
    }

    [Fact]
    public async Task A_signed_body_with_an_escaped_lone_surrogate_in_createdAt_is_accepted_on_every_endpoint_kind()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            MapDocMapWebhooksTests.MapDelegate(app);
            app.MapDocMapWebhooks<RecordingHandler>("/class");
            app.MapPost("/own", ([FromBody] DeliveryDto dto) => dto.ExtractionId).RequireDocMapSignature();
        });
        var body = Encoding.UTF8.GetBytes(
            "{\"event\":\"extraction.completed\",\"extractionId\":\"ext_s\",\"createdAt\":\"2025-01-20T14:30:04\\ud800\",\"data\":{\"createdAt\":\"\\udfff\"}}");
        foreach (var path in new[] { Deliveries.Path, "/class", "/own" })
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret, path));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var recorded = Assert.Single(host.Recorder.Events, e => e.ExtractionId == "ext_s" && e.CreatedAt is null);
        Assert.Null(recorded.Extraction!.CreatedAt);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Error);
    }
}

/// <summary>A class handler recording what it was called with.</summary>
public sealed class RecordingHandler(Recorder recorder) : DocMapWebhookHandler
{
    public override Task OnExtractionCompletedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        if (webhookEvent.ExtractionId == "ext_throw")
        {
            throw new InvalidOperationException("handler failure for the test");
        }

        recorder.Calls.Enqueue($"completed:{webhookEvent.ExtractionId}");
        return Task.CompletedTask;
    }

    public override Task OnExtractionFailedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"failed:{webhookEvent.ExtractionId}");
        return Task.CompletedTask;
    }

    public override Task OnUnknownEventAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
    {
        recorder.Calls.Enqueue($"unknown:{webhookEvent.Type}:{webhookEvent.ExtractionId}");
        return Task.CompletedTask;
    }
}

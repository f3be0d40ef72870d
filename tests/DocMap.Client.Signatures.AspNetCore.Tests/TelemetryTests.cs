using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using DocMap.Client.Signatures.AspNetCore.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>
/// Telemetry tests listen process-wide (ActivitySource and Meter listeners are global): they run alone, after the
/// parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

/// <summary>
/// The receiver's span and metrics on a real Kestrel host with the OpenTelemetry SDK (tracing of ASP.NET Core and of
/// this package, metrics, in-memory exporters) and MetricCollector on the host's IMeterFactory.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    internal static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);
    private static readonly ActivitySource HandlerSource = new("DocMap.Tests.Handler");

    private static void MapDelegate(WebApplication app) =>
        app.MapDocMapWebhooks(Deliveries.Path, async (WebhookEvent webhook, Recorder recorder, CancellationToken cancellationToken) =>
        {
            using (HandlerSource.StartActivity("handler-work"))
            {
                recorder.Events.Enqueue(webhook);
            }

            switch (webhook.ExtractionId)
            {
                case "ext_throw":
                    throw new InvalidOperationException("handler failure for the test");
                case "ext_wait":
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
                case "ext_503":
                    return Results.StatusCode(503);
            }

            return Results.Ok();
        });

    [Fact]
    public async Task A_verified_delivery_is_one_span_under_the_ASP_NET_Core_request_span_and_the_handler_runs_inside_it()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        var body = Deliveries.Body("ext_span", targetBytes: 1024);

        using var response = await host.SendAsync(Deliveries.Signed(body, Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var spans = await host.WaitForSpansAsync(s => s.Any(a => a.DisplayName == "handler-work") && s.Any(a => a.Source.Name == "Microsoft.AspNetCore"));
        var request = Assert.Single(spans, a => a.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal(host.RootSpanId, request.ParentSpanId);
        var delivery = Assert.Single(spans, a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName);
        Assert.Equal("ReceiveWebhook", delivery.DisplayName);
        Assert.Equal(ActivityKind.Internal, delivery.Kind);
        Assert.Equal(request.SpanId, delivery.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, delivery.Status);
        Assert.Equal(delivery.SpanId, Assert.Single(spans, a => a.DisplayName == "handler-work").ParentSpanId);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.webhook.event"] = "extraction.completed",
                ["docmap.extraction.id"] = "ext_span",
                ["docmap.webhook.outcome"] = "verified",
                ["http.request.body.size"] = body.Length,
            },
            Tags.Of(delivery));
    }

    [Fact]
    public async Task A_verified_delivery_is_counted_timed_and_sized_with_bounded_tags()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        var body = Deliveries.Body("ext_metrics", targetBytes: 2048);

        using var response = await host.SendAsync(Deliveries.Signed(body, Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var delivery = Assert.Single(await host.Deliveries.WaitAsync(1));
        Assert.Equal(1, delivery.Value);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "verified", ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(delivery.Tags));
        var handler = Assert.Single(await host.HandlerDuration.WaitAsync(1));
        Assert.InRange(handler.Value, 0, 30);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.event"] = "extraction.completed", ["docmap.webhook.outcome"] = "verified" }, Tags.Of(handler.Tags));
        var size = Assert.Single(await host.BodySize.WaitAsync(1));
        Assert.Equal(body.Length, size.Value);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "verified", ["docmap.webhook.event"] = "extraction.completed" }, Tags.Of(size.Tags));
        Assert.Equal("{delivery}", host.Deliveries.Instrument!.Unit);
        Assert.Equal("s", host.HandlerDuration.Instrument!.Unit);
        Assert.Equal("By", host.BodySize.Instrument!.Unit);
    }

    public static TheoryData<string, string?, string> Rejections()
    {
        var body = Deliveries.Body("ext_forged");
        var other = WebhookSecret.Parse(Deliveries.NewSecretText());
        return new()
        {
            { "missing", null, "missing_signature" },
            { "malformed", "not-a-signature", "malformed_signature" },
            { "mismatch", WebhookSigner.Sign(other, body), "signature_mismatch" },
        };
    }

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_forged_delivery_is_outcome_rejected_with_its_reason(string name, string? signature, string reason)
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        var body = Deliveries.Body("ext_forged");

        using var response = await host.SendAsync(Deliveries.Request(body, signature));

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        var span = await host.WaitForDeliverySpanAsync();
        var expected = new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "rejected", ["docmap.webhook.rejection_reason"] = reason };
        if (name == "mismatch")
        {
            expected["http.request.body.size"] = body.Length; // read whole before the signature was checked
        }

        Assert.Equal(expected, Tags.Of(span));
        Assert.Equal(ActivityStatusCode.Unset, span.Status); // refusing a forgery is the receiver working
        var counted = Assert.Single(await host.Deliveries.WaitAsync(1));
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "rejected", ["docmap.webhook.rejection_reason"] = reason }, Tags.Of(counted.Tags));
        Assert.Empty(host.HandlerDuration.GetMeasurementSnapshot());
        Assert.Equal(name == "mismatch" ? 1 : 0, host.BodySize.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task Too_large_invalid_and_unknown_event_deliveries_have_their_outcomes()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate, settings: s => s["DocMap:Webhooks:MaxBodyBytes"] = "4096");

        using (var tooLarge = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_big", targetBytes: 8192), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        }

        var notAnObject = "[1,2,3]"u8.ToArray();
        using (var invalid = await host.SendAsync(Deliveries.Signed(notAnObject, Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, invalid);
        }

        using (var unknown = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_new", "extraction.archived"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, unknown);
        }

        var counted = (await host.Deliveries.WaitAsync(3)).Select(m => Tags.Of(m.Tags)).ToList();
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "too_large" }, counted[0]);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "invalid", ["docmap.webhook.rejection_reason"] = "invalid_payload" }, counted[1]);

        // An event type DocMap has not documented is _OTHER on metrics (bounded), itself on the span.
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "verified", ["docmap.webhook.event"] = "_OTHER" }, counted[2]);
        var spans = await host.WaitForSpansAsync(s => s.Count(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName) == 3);
        var unknownSpan = Assert.Single(spans, a => Equals(a.GetTagItem("docmap.extraction.id"), "ext_new"));
        Assert.Equal("extraction.archived", unknownSpan.GetTagItem("docmap.webhook.event"));
        var invalidSpan = Assert.Single(spans, a => Equals(a.GetTagItem("docmap.webhook.outcome"), "invalid"));
        Assert.Equal(notAnObject.Length, invalidSpan.GetTagItem("http.request.body.size"));
        Assert.Null(invalidSpan.GetTagItem("docmap.webhook.event")); // nothing from an unparsed body
    }

    [Fact]
    public async Task A_handler_that_throws_is_handler_failed_with_the_exception_type_and_Error_status()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);

        using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throw"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.InternalServerError, response);
        var span = await host.WaitForDeliverySpanAsync();
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("handler_failed", span.GetTagItem("docmap.webhook.outcome"));
        Assert.Equal("System.InvalidOperationException", span.GetTagItem("error.type"));
        Assert.Empty(span.Events); // no exception event: a handler's exception message may quote the body
        var handler = Assert.Single(await host.HandlerDuration.WaitAsync(1));
        Assert.Equal("handler_failed", handler.Tags["docmap.webhook.outcome"]);
        Assert.Equal("handler_failed", Assert.Single(await host.Deliveries.WaitAsync(1)).Tags["docmap.webhook.outcome"]);
    }

    [Fact]
    public async Task A_handler_that_answers_5xx_is_handler_failed_with_the_status_as_error_type()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);

        using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_503"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
        var span = await host.WaitForDeliverySpanAsync();
        Assert.Equal("handler_failed", span.GetTagItem("docmap.webhook.outcome"));
        Assert.Equal("503", span.GetTagItem("error.type"));
    }

    [Fact]
    public async Task A_sender_that_hangs_up_while_the_handler_runs_is_outcome_aborted()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        var body = Deliveries.Body("ext_wait");

        using (var connection = await RawConnection.OpenAsync(host.Host.BaseAddress, CancellationToken.None))
        {
            await connection.SendAsync(RawConnection.Head(Deliveries.Path, WebhookSigner.Sign(Secret, body), $"Content-Length: {body.Length}"), CancellationToken.None);
            await connection.SendAsync(body, CancellationToken.None);
            await WaitUntilAsync(() => host.Host.Recorder.Count == 1);
        }

        var counted = Assert.Single(await host.Deliveries.WaitAsync(1));
        Assert.Equal("aborted", counted.Tags["docmap.webhook.outcome"]);
        Assert.Equal("aborted", Assert.Single(await host.HandlerDuration.WaitAsync(1)).Tags["docmap.webhook.outcome"]);
    }

    [Fact]
    public async Task A_body_that_stalls_is_outcome_timed_out()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate, settings: s => s["DocMap:Webhooks:BodyReadTimeout"] = "00:00:01");
        using var connection = await RawConnection.OpenAsync(host.Host.BaseAddress, CancellationToken.None);

        await connection.SendAsync(RawConnection.Head(Deliveries.Path, new string('0', 64), "Content-Length: 10000"), CancellationToken.None);
        await connection.SendAsync(new byte[100], CancellationToken.None);
        var reply = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(30), Stopwatch.StartNew());

        Assert.StartsWith("HTTP/1.1 408", reply.Text, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "timed_out" }, Tags.Of(Assert.Single(await host.Deliveries.WaitAsync(1)).Tags));
        Assert.Empty(host.BodySize.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task The_class_handler_endpoint_records_the_same_span_and_outcomes()
    {
        await using var host = await TelemetryHost.StartAsync(
            app => app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path),
            configure: b => b.Services.AddScoped<RecordingHandler>());

        using (var ok = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_class", "extraction.failed"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, ok);
        }

        using (var failed = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throw"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.InternalServerError, failed);
        }

        var counted = (await host.Deliveries.WaitAsync(2)).Select(m => Tags.Of(m.Tags)).ToList();
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "verified", ["docmap.webhook.event"] = "extraction.failed" }, counted[0]);
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "handler_failed", ["docmap.webhook.event"] = "extraction.completed" }, counted[1]);
        var spans = await host.WaitForSpansAsync(s =>
            s.Count(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName) == 2 && s.Count(a => a.Source.Name == "Microsoft.AspNetCore") == 2);
        var requests = spans.Where(a => a.Source.Name == "Microsoft.AspNetCore").Select(a => a.SpanId).ToHashSet();
        var parents = spans.Where(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName).Select(a => a.ParentSpanId).ToHashSet();
        Assert.Equal(requests, parents); // each delivery span is the child of its own request span
    }

    [Fact]
    public async Task RequireDocMapSignature_behind_the_middleware_records_one_span_and_one_count_per_delivery()
    {
        await using var host = await TelemetryHost.StartAsync(app =>
        {
            app.UseDocMapWebhookSignatures();
            app.MapPost(Deliveries.Path, (HttpContext context) =>
            {
                var webhook = context.GetDocMapWebhookEvent()!;
                if (webhook.ExtractionId == "ext_throw")
                {
                    throw new InvalidOperationException("own endpoint failure");
                }

                return Results.Ok();
            }).RequireDocMapSignature();
        });

        using (var ok = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_mw"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, ok);
        }

        using (var failed = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_throw"), Secret)))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode); // the endpoint's exception is not caught
        }

        var counted = (await host.Deliveries.WaitAsync(2)).Select(m => (string?)m.Tags["docmap.webhook.outcome"]).ToList();
        Assert.Equal(["verified", "handler_failed"], counted);
        var spans = await host.WaitForSpansAsync(s => s.Count(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName) >= 2);
        Assert.Equal(2, spans.Count(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName));
        Assert.Equal(2, host.HandlerDuration.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task The_OpenTelemetry_SDK_exports_the_three_instruments_with_their_units()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);

        using (var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_otel"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        await host.Deliveries.WaitAsync(1);
        await host.HandlerDuration.WaitAsync(1);
        var exported = host.ExportedMetrics();
        Assert.Contains(exported, m => m.Name == "docmap.webhook.deliveries" && m.Unit == "{delivery}");
        Assert.Contains(exported, m => m.Name == "docmap.webhook.handler.duration" && m.Unit == "s");
        Assert.Contains(exported, m => m.Name == "docmap.webhook.body.size" && m.Unit == "By");
    }

    [Fact]
    public async Task No_span_or_metric_carries_the_secret_a_signature_or_the_body()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        var body = Deliveries.Body("ext_leak", marker: "BODY-MARKER-LEAK-9d1e");
        var signature = WebhookSigner.Sign(Secret, body);
        var forgedSignature = WebhookSigner.Sign(WebhookSecret.Parse(Deliveries.NewSecretText()), body);

        foreach (var (request, expected) in new[]
        {
            (Deliveries.Request(body, signature), HttpStatusCode.OK),
            (Deliveries.Request(body, forgedSignature), HttpStatusCode.Unauthorized),
            (Deliveries.Request(body, "sha256=" + signature.ToUpperInvariant()), HttpStatusCode.OK),
            (Deliveries.Signed(Deliveries.Body("ext_throw", marker: "BODY-MARKER-LEAK-9d1e"), Secret), HttpStatusCode.InternalServerError),
        })
        {
            using (request)
            using (var response = await host.SendAsync(request))
            {
                Assert.Equal(expected, response.StatusCode);
            }
        }

        await host.Deliveries.WaitAsync(4);
        var recorded = (await host.WaitForSpansAsync(s => s.Count(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName) == 4 && s.Count(a => a.Source.Name == "Microsoft.AspNetCore") == 4))
            .SelectMany(TelemetryHost.TextsOf)
            .Concat(host.ExportedMetrics().SelectMany(TelemetryHost.TextsOf))
            .Concat(host.Deliveries.GetMeasurementSnapshot().SelectMany(m => m.Tags.Select(t => t.Key + "=" + t.Value)))
            .ToList();
        Assert.Contains(recorded, t => t == "docmap.extraction.id=ext_leak");
        foreach (var text in recorded)
        {
            Assert.DoesNotContain(SecretText, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(signature, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(forgedSignature, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("BODY-MARKER-LEAK", text, StringComparison.Ordinal);
            Assert.DoesNotContain(WebhookSignatureOptions.DefaultHeaderName, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task When_nobody_listens_no_span_is_started_and_nothing_is_recorded()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);
        var instruments = host.App.Services.GetRequiredService<DocMapWebhookInstruments>();

        Assert.False(DocMapWebhookInstruments.Source.HasListeners());
        Assert.False(instruments.IsEnabled);
        Assert.Null(DocMapWebhookDeliveryTelemetry.Start(instruments));
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_quiet"), Secret));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);

        // A collector subscribing later sees the next delivery only.
        using var deliveries = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(), DocMapWebhookTelemetry.MeterName, "docmap.webhook.deliveries");
        Assert.True(instruments.IsEnabled);
        using var next = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_heard"), Secret));
        await deliveries.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));
        Assert.Single(deliveries.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task A_body_with_broken_chunk_framing_is_outcome_invalid_with_reason_unreadable_body()
    {
        await using var host = await TelemetryHost.StartAsync(MapDelegate);
        using var connection = await RawConnection.OpenAsync(host.Host.BaseAddress, CancellationToken.None);

        await connection.SendAsync(RawConnection.Head(Deliveries.Path, new string('0', 64), "Transfer-Encoding: chunked"), CancellationToken.None);
        await connection.SendAsync("zz\r\nnot a chunk\r\n"u8.ToArray(), CancellationToken.None);
        var head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Equal(
            new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "invalid", ["docmap.webhook.rejection_reason"] = "unreadable_body" },
            Tags.Of(Assert.Single(await host.Deliveries.WaitAsync(1)).Tags));
        Assert.Empty(host.BodySize.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task An_exception_inside_the_receiver_still_ends_the_span_and_counts_the_delivery_as_error()
    {
        // A body stream another middleware put in place fails in a way no sender can cause: the exception leaves the
        // endpoint (ASP.NET Core answers 500), and the delivery's span still ends, with Error status.
        await using var host = await TelemetryHost.StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                context.Request.Body = new FailingStream();
                return next(context);
            });
            MapDelegate(app);
        });

        using var response = await host.SendAsync(Deliveries.Signed(Deliveries.Body("ext_broken"), Secret));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var span = await host.WaitForDeliverySpanAsync();
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(
            new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "error", ["error.type"] = "System.InvalidOperationException" },
            Tags.Of(span));
        Assert.Equal(new Dictionary<string, object?> { ["docmap.webhook.outcome"] = "error" }, Tags.Of(Assert.Single(await host.Deliveries.WaitAsync(1)).Tags));
    }

    [Fact]
    public async Task A_listener_that_only_propagates_gets_the_span_without_a_tag()
    {
        // IsAllDataRequested is false for a span a sampler keeps for its context only: nothing is computed for it.
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DocMapWebhookTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapDelegate);

        using (var verified = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_propagated"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, verified);
        }

        using (var forged = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_forged"), new string('0', 64))))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, forged);
        }

        await WaitUntilAsync(() =>
        {
            lock (stopped)
            {
                return stopped.Count >= 2;
            }
        });
        lock (stopped)
        {
            Assert.Equal(2, stopped.Count);
            Assert.All(stopped, span =>
            {
                Assert.Equal("ReceiveWebhook", span.DisplayName);
                Assert.False(span.IsAllDataRequested);
                Assert.Empty(span.TagObjects);
            });
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "The condition did not come true within 20 seconds.");
            await Task.Delay(20);
        }
    }
}

/// <summary>A request body that fails every read with an exception no transport throws.</summary>
internal sealed class FailingStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the test's body stream failed");

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromException<int>(new InvalidOperationException("the test's body stream failed"));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A Kestrel webhook host with the OpenTelemetry SDK and MetricCollectors on its IMeterFactory.</summary>
internal sealed class TelemetryHost : IAsyncDisposable
{
    private readonly List<Activity> _spans;
    private readonly List<Metric> _metrics;
    private readonly Activity _root;

    private TelemetryHost(WebhookHost host, List<Activity> spans, List<Metric> metrics)
    {
        Host = host;
        _spans = spans;
        _metrics = metrics;
        _root = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C).Start();
        _root.Stop(); // only its ids are used: requests carry them in traceparent
        var meterFactory = host.App.Services.GetRequiredService<IMeterFactory>();
        Deliveries = new(meterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.deliveries");
        HandlerDuration = new(meterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.handler.duration");
        BodySize = new(meterFactory, DocMapWebhookTelemetry.MeterName, "docmap.webhook.body.size");
    }

    public WebhookHost Host { get; }

    public ActivitySpanId RootSpanId => _root.SpanId;

    public Collector<long> Deliveries { get; }

    public Collector<double> HandlerDuration { get; }

    public Collector<int> BodySize { get; }

    public static async Task<TelemetryHost> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, Action<Dictionary<string, string?>>? settings = null)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var values = WebhookHost.Settings(TelemetryTests.SecretText);
        settings?.Invoke(values);
        var host = await WebhookHost.StartAsync(values, map, configure: b =>
        {
            ExportInMemory(b, spans, metrics, "DocMap.Tests.Handler");
            configure?.Invoke(b);
        });
        return new TelemetryHost(host, spans, metrics);
    }

    /// <summary>
    /// OpenTelemetry in the app, exporting into <paramref name="spans"/> and <paramref name="metrics"/>: every span of
    /// ASP.NET Core, the receiver and <paramref name="moreSources"/> (always sampled), and the receiver's meter.
    /// </summary>
    public static void ExportInMemory(WebApplicationBuilder builder, List<Activity> spans, List<Metric> metrics, params string[] moreSources) =>
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t
                .AddSource(["Microsoft.AspNetCore", DocMapWebhookTelemetry.ActivitySourceName, .. moreSources])
                .SetSampler(new AlwaysOnSampler())
                .AddInMemoryExporter(spans))
            .WithMetrics(m => m
                .AddMeter(DocMapWebhookTelemetry.MeterName)
                .AddInMemoryExporter(metrics));

    /// <summary>Sends a request as part of this test's trace (its traceparent).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{_root.TraceId}-{_root.SpanId}-01");
        return Host.Client.SendAsync(request);
    }

    /// <summary>This test's finished spans once <paramref name="done"/> holds (spans end after the answer left; polls up to 20 s).</summary>
    public async Task<List<Activity>> WaitForSpansAsync(Func<List<Activity>, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            List<Activity> mine;
            lock (_spans)
            {
                mine = _spans.Where(a => a.TraceId == _root.TraceId).ToList();
            }

            if (done(mine))
            {
                return mine;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"The expected spans did not arrive within 20 seconds; got {string.Join(", ", mine.Select(a => a.DisplayName))}.");
            await Task.Delay(20);
        }
    }

    public async Task<Activity> WaitForDeliverySpanAsync() =>
        Assert.Single(await WaitForSpansAsync(s => s.Any(a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName)), a => a.Source.Name == DocMapWebhookTelemetry.ActivitySourceName);

    public List<Metric> ExportedMetrics()
    {
        Host.App.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (_metrics)
        {
            return [.. _metrics];
        }
    }

    public static IEnumerable<string> TextsOf(Activity span)
    {
        yield return span.DisplayName;
        yield return span.StatusDescription ?? string.Empty;
        foreach (var tag in span.TagObjects)
        {
            yield return tag.Key + "=" + Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
        }

        foreach (var item in span.Baggage)
        {
            yield return item.Key + "=" + item.Value;
        }

        foreach (var activityEvent in span.Events)
        {
            yield return activityEvent.Name;
            foreach (var tag in activityEvent.Tags)
            {
                yield return tag.Key + "=" + Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
            }
        }
    }

    public static IEnumerable<string> TextsOf(Metric metric)
    {
        yield return metric.Name;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                yield return tag.Key + "=" + Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Deliveries.Dispose();
        HandlerDuration.Dispose();
        BodySize.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>A MetricCollector that waits (bounded) for measurements, which a delivery may record after its answer left.</summary>
    internal sealed class Collector<T>(IMeterFactory meterFactory, string meterName, string instrumentName) : IDisposable
        where T : struct
    {
        private readonly MetricCollector<T> _inner = new(meterFactory, meterName, instrumentName);

        public Instrument? Instrument => _inner.Instrument;

        public IReadOnlyList<CollectedMeasurement<T>> GetMeasurementSnapshot() => _inner.GetMeasurementSnapshot();

        public async Task<IReadOnlyList<CollectedMeasurement<T>>> WaitAsync(int count)
        {
            await _inner.WaitForMeasurementsAsync(count, TimeSpan.FromSeconds(20));
            return _inner.GetMeasurementSnapshot();
        }

        public void Dispose() => _inner.Dispose();
    }
}

internal static class Tags
{
    public static Dictionary<string, object?> Of(Activity activity) => activity.TagObjects.ToDictionary(t => t.Key, t => t.Value);

    public static Dictionary<string, object?> Of(IReadOnlyDictionary<string, object?> tags) => tags.ToDictionary(t => t.Key, t => t.Value);
}

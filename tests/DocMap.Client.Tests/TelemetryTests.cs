using System.Diagnostics;
using System.Diagnostics.Metrics;
using DocMap.Client.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace DocMap.Client.Tests;

[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : WireMockTestBase
{
    private string Host => new Uri(Server.Url!).Host;

    private int Port => new Uri(Server.Url!).Port;

    /// <summary>Answers <paramref name="responses"/> in order, the last one from then on (a WireMock scenario).</summary>
    private void Sequence(string path, string method, params IResponseBuilder[] responses)
    {
        for (var i = 0; i < responses.Length; i++)
        {
            var step = Server.Given(Request.Create().WithPath(path).UsingMethod(method)).InScenario(path + method);
            if (i > 0)
            {
                step = step.WhenStateIs("step " + i);
            }

            if (i < responses.Length - 1)
            {
                step = step.WillSetStateTo("step " + (i + 1));
            }

            step.RespondWith(responses[i]);
        }
    }

    private static IResponseBuilder Json(int status, string body) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);

    private IDocMapApi Client(Action<DocMapClientOptions>? configure = null) => CreateClient(o =>
    {
        o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        configure?.Invoke(o);
    });

    [Fact]
    public async Task A_call_is_one_Client_span_and_every_HTTP_attempt_nests_under_it()
    {
        Sequence("/v1/webhooks", "GET", Json(503, Error("INTERNAL_ERROR", "busy")), Json(200, Examples.ListWebhooksResponse));
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DocMapTelemetry.ActivitySourceName or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var root = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C).Start();

        await Client().ListWebhooksAsync();
        root.Stop();

        List<Activity> mine;
        lock (stopped)
        {
            mine = stopped.Where(a => a.TraceId == root.TraceId).ToList();
        }

        var call = Assert.Single(mine, a => a.Source.Name == DocMapTelemetry.ActivitySourceName);
        Assert.Equal("ListWebhooks", call.DisplayName);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal(root.SpanId, call.ParentSpanId);
        var attempts = mine.Where(a => a.Source.Name == "System.Net.Http").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, attempt =>
        {
            Assert.Equal(call.SpanId, attempt.ParentSpanId);
            Assert.Equal(ActivityKind.Client, attempt.Kind);
        });
        Assert.All(attempts, attempt => Assert.True(attempt.StartTimeUtc >= call.StartTimeUtc && attempt.StartTimeUtc + attempt.Duration <= call.StartTimeUtc + call.Duration));
    }

    [Fact]
    public async Task With_dependency_injection_the_HTTP_spans_nest_under_the_call_span_too()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        using var otel = new OpenTelemetryCapture();
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri(Server.Url!);
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync();

        var call = otel.DocMapSpan();
        Assert.Equal(otel.RootSpanId, call.ParentSpanId);
        var attempt = Assert.Single(otel.Spans(), a => a.Source.Name == "System.Net.Http");
        Assert.Equal(call.SpanId, attempt.ParentSpanId);
    }

    [Fact]
    public async Task ListWebhooks_span_has_the_semantic_convention_attributes()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        using var otel = new OpenTelemetryCapture();

        await Client().ListWebhooksAsync();

        var span = otel.DocMapSpan();
        Assert.Equal("ListWebhooks", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.operation"] = "ListWebhooks",
                ["http.request.method"] = "GET",
                ["url.template"] = "/v1/webhooks",
                ["server.address"] = Host,
                ["server.port"] = Port,
                ["docmap.outcome"] = "success",
                ["http.response.status_code"] = 200,
            },
            Tags.Of(span));
    }

    [Fact]
    public async Task CreateWebhook_span_is_a_POST_with_the_status_DocMap_answered()
    {
        Respond("/v1/webhooks", "POST", 201, Examples.CreateResponse);
        using var otel = new OpenTelemetryCapture();

        await Client().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]));

        var tags = Tags.Of(otel.DocMapSpan());
        Assert.Equal("CreateWebhook", otel.DocMapSpan().DisplayName);
        Assert.Equal("POST", tags["http.request.method"]);
        Assert.Equal("/v1/webhooks", tags["url.template"]);
        Assert.Equal(201, tags["http.response.status_code"]);
        Assert.Equal("success", tags["docmap.outcome"]);
        Assert.False(tags.ContainsKey("http.request.resend_count"));
        Assert.False(tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task ListDeliveries_span_counts_the_resends_and_names_the_webhook()
    {
        Sequence("/v1/webhooks/deliveries", "GET",
            Json(503, Error("INTERNAL_ERROR", "busy")), Json(502, Error("EXTRACTION_FAILED", "busy")), Json(200, Examples.DeliveriesResponse));
        using var otel = new OpenTelemetryCapture();

        await Client().ListDeliveriesAsync("wh_01HQ3K", 10);

        var span = otel.DocMapSpan();
        var tags = Tags.Of(span);
        Assert.Equal("ListDeliveries", span.DisplayName);
        Assert.Equal("/v1/webhooks/deliveries", tags["url.template"]);
        Assert.Equal("wh_01HQ3K", tags["docmap.webhook.id"]);
        Assert.Equal(2, tags["http.request.resend_count"]);
        Assert.Equal(200, tags["http.response.status_code"]);
        Assert.Equal("success", tags["docmap.outcome"]);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(3, otel.Spans().Count(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == span.SpanId));
    }

    [Fact]
    public async Task A_DocMap_error_sets_the_status_the_error_code_the_error_type_and_Error_status()
    {
        Respond("/v1/webhooks/wh_1", "DELETE", 404, Error("NOT_FOUND", "Webhook not found"));
        using var otel = new OpenTelemetryCapture();

        await Assert.ThrowsAsync<DocMapApiException>(() => Client().DeleteWebhookAsync("wh_1"));

        var span = otel.DocMapSpan();
        Assert.Equal("DeleteWebhook", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.operation"] = "DeleteWebhook",
                ["http.request.method"] = "DELETE",
                ["url.template"] = "/v1/webhooks/{webhookId}",
                ["server.address"] = Host,
                ["server.port"] = Port,
                ["docmap.webhook.id"] = "wh_1",
                ["docmap.outcome"] = "api_error",
                ["http.response.status_code"] = 404,
                ["docmap.error_code"] = "NOT_FOUND",
                ["error.type"] = "404",
            },
            Tags.Of(span));
    }

    [Fact]
    public async Task No_connection_is_a_transport_error_with_the_exception_type_and_every_resend_counted()
    {
        using var otel = new OpenTelemetryCapture();
        var client = DocMapClient.Create(ApiKey, new DocMapClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Ports.Closed()}"),
            MaxRetries = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.ListWebhooksAsync());

        var span = otel.DocMapSpan();
        var tags = Tags.Of(span);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("transport_error", tags["docmap.outcome"]);
        Assert.Equal("System.Net.Http.HttpRequestException", tags["error.type"]);
        Assert.Equal(2, tags["http.request.resend_count"]);
        Assert.Equal("127.0.0.1", tags["server.address"]);
        Assert.False(tags.ContainsKey("http.response.status_code"));
        Assert.Equal(3, otel.Spans().Count(a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == span.SpanId));
    }

    [Fact]
    public async Task The_client_timeout_is_outcome_timeout_with_error_type_TimeoutException()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));
        using var otel = new OpenTelemetryCapture();

        await Assert.ThrowsAsync<TimeoutException>(() => Client(o => o.Timeout = TimeSpan.FromMilliseconds(300)).ListWebhooksAsync());

        var tags = Tags.Of(otel.DocMapSpan());
        Assert.Equal("timeout", tags["docmap.outcome"]);
        Assert.Equal("System.TimeoutException", tags["error.type"]);
        Assert.Equal(ActivityStatusCode.Error, otel.DocMapSpan().Status);
    }

    [Fact]
    public async Task A_cancelled_call_is_outcome_canceled()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse, extra: r => r.WithDelay(TimeSpan.FromSeconds(3)));
        using var otel = new OpenTelemetryCapture();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client().ListWebhooksAsync(cts.Token));

        var tags = Tags.Of(otel.DocMapSpan());
        Assert.Equal("canceled", tags["docmap.outcome"]);
        Assert.Matches(@"^System\.(Threading\.Tasks\.Task|Operation)CanceledException$", (string)tags["error.type"]!);
    }

    [Fact]
    public async Task A_2xx_that_is_not_DocMaps_JSON_is_outcome_invalid_response()
    {
        Respond("/v1/webhooks", "GET", 200, "<html>proxy</html>", contentType: "text/html");
        using var otel = new OpenTelemetryCapture();

        await Assert.ThrowsAsync<DocMapApiException>(() => Client().ListWebhooksAsync());

        var tags = Tags.Of(otel.DocMapSpan());
        Assert.Equal("invalid_response", tags["docmap.outcome"]);
        Assert.Equal("DocMap.Client.DocMapApiException", tags["error.type"]);
        Assert.Equal(200, tags["http.response.status_code"]);
    }

    [Fact]
    public async Task Metrics_have_their_names_units_and_bounded_tags()
    {
        Sequence("/v1/webhooks", "GET", Json(503, Error("INTERNAL_ERROR", "busy")), Json(503, Error("INTERNAL_ERROR", "busy")), Json(200, Examples.ListWebhooksResponse));
        Respond("/v1/webhooks/wh_1", "DELETE", 400, Error("SOMETHING_NEW_" + Guid.NewGuid().ToString("N"), "a code DocMap added later"));
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri(Server.Url!);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        await using var provider = services.BuildServiceProvider();
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var duration = new MetricCollector<double>(meterFactory, DocMapTelemetry.MeterName, "docmap.client.operation.duration");
        using var retries = new MetricCollector<long>(meterFactory, DocMapTelemetry.MeterName, "docmap.client.retries");
        var api = provider.GetRequiredService<IDocMapApi>();

        await api.ListWebhooksAsync();
        var error = await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_1"));

        Assert.Equal("s", duration.Instrument!.Unit);
        Assert.Equal("{retry}", retries.Instrument!.Unit);
        var calls = duration.GetMeasurementSnapshot();
        Assert.Equal(2, calls.Count);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.operation"] = "ListWebhooks",
                ["docmap.outcome"] = "success",
                ["http.response.status_code"] = 200,
            },
            Tags.Of(calls[0].Tags));
        Assert.InRange(calls[0].Value, 0, 60);

        // The server's own code stays on the span and the exception; the metric gets a bounded value.
        Assert.StartsWith("SOMETHING_NEW_", error.ErrorCode, StringComparison.Ordinal);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["docmap.operation"] = "DeleteWebhook",
                ["docmap.outcome"] = "api_error",
                ["http.response.status_code"] = 400,
                ["docmap.error_code"] = "_OTHER",
                ["error.type"] = "400",
            },
            Tags.Of(calls[1].Tags));

        var retried = retries.GetMeasurementSnapshot();
        Assert.Equal(2, retried.Count);
        Assert.All(retried, m =>
        {
            Assert.Equal(1, m.Value);
            Assert.Equal(new Dictionary<string, object?> { ["docmap.operation"] = "ListWebhooks", ["http.response.status_code"] = 503 }, Tags.Of(m.Tags));
        });
    }

    [Fact]
    public async Task A_retry_after_a_transport_error_is_counted_with_its_error_type()
    {
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri($"http://127.0.0.1:{Ports.Closed()}");
            o.MaxRetries = 1;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        await using var provider = services.BuildServiceProvider();
        using var retries = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), DocMapTelemetry.MeterName, "docmap.client.retries");

        await Assert.ThrowsAsync<HttpRequestException>(() => provider.GetRequiredService<IDocMapApi>().ListDeliveriesAsync());

        var retry = Assert.Single(retries.GetMeasurementSnapshot());
        Assert.Equal(new Dictionary<string, object?> { ["docmap.operation"] = "ListDeliveries", ["error.type"] = "System.Net.Http.HttpRequestException" }, Tags.Of(retry.Tags));
    }

    [Fact]
    public async Task Without_dependency_injection_the_metrics_go_to_the_static_meter()
    {
        Respond("/v1/webhooks", "GET", 418, Error("TEAPOT", "static meter test"));
        using var duration = new MetricCollector<double>(null, DocMapTelemetry.MeterName, "docmap.client.operation.duration");

        await Assert.ThrowsAsync<DocMapApiException>(() => Client().ListWebhooksAsync());

        var measurement = Assert.Single(duration.GetMeasurementSnapshot(), m => Equals(m.Tags["http.response.status_code"], 418));
        Assert.Equal("ListWebhooks", measurement.Tags["docmap.operation"]);
        Assert.Equal("_OTHER", measurement.Tags["docmap.error_code"]);
    }

    [Fact]
    public async Task The_OpenTelemetry_SDK_exports_both_instruments_with_their_units()
    {
        Sequence("/v1/webhooks", "GET", Json(503, Error("INTERNAL_ERROR", "busy")), Json(200, Examples.ListWebhooksResponse));
        using var otel = new OpenTelemetryCapture();

        await Client().ListWebhooksAsync();

        var points = otel.MetricPoints();
        Assert.Contains(points, p => p.Name == "docmap.client.operation.duration" && p.Unit == "s"
            && Equals(p.Tags["docmap.operation"], "ListWebhooks") && Equals(p.Tags["docmap.outcome"], "success"));
        Assert.Contains(points, p => p.Name == "docmap.client.retries" && p.Unit == "{retry}" && p.Value >= 1
            && Equals(p.Tags["http.response.status_code"], 503));
    }

    [Fact]
    public async Task No_span_or_metric_ever_carries_the_API_key_the_secret_or_a_body()
    {
        var otel = new OpenTelemetryCapture();
        try
        {
            Respond("/v1/webhooks", "POST", 201, Examples.CreateResponse);
            Respond("/v1/webhooks/deliveries", "GET", 200, Examples.DeliveriesResponse);
            Sequence("/v1/webhooks", "GET", Json(503, Error("INTERNAL_ERROR", "busy " + ApiKey)), Json(200, Examples.ListWebhooksResponse));
            Respond("/v1/webhooks/wh_1", "DELETE", 401, Error("UNAUTHORIZED", $"Invalid API key {ApiKey}"));
            Respond("/v1/webhooks/wh_2", "DELETE", 400, Error(ApiKey, "a code that is the key"));
            var api = Client();

            var created = await api.CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]));
            await api.ListDeliveriesAsync("wh_01HQ3K", 5);
            await api.ListWebhooksAsync();
            await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_1"));
            await Assert.ThrowsAsync<DocMapApiException>(() => api.DeleteWebhookAsync("wh_2"));

            Assert.Equal(Secret, created.Data.Secret);
            var recorded = otel.EverythingRecorded().ToList();
            Assert.True(otel.Spans().Count >= 10, "the calls and their HTTP attempts were recorded");
            Assert.Contains(recorded, r => r.StartsWith("docmap.error_code=", StringComparison.Ordinal));
            foreach (var text in recorded)
            {
                Assert.DoesNotContain(ApiKey, text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Secret, text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("Bearer", text, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("wh_01HQ3K\",\"userId", text, StringComparison.Ordinal); // no body
            }
        }
        finally
        {
            otel.Dispose();
        }
    }

    [Fact]
    public async Task When_nobody_listens_a_call_is_not_wrapped()
    {
        Respond("/v1/webhooks", "GET", 200, Examples.ListWebhooksResponse);
        var seen = new List<DocMapCallTracker?>();
        var services = new ServiceCollection();
        services.AddDocMapClient(o =>
        {
            o.ApiKey = ApiKey;
            o.BaseAddress = new Uri(Server.Url!);
        }).AddHttpMessageHandler(() => new TrackerProbe(seen));
        await using var provider = services.BuildServiceProvider();
        var telemetry = provider.GetRequiredService<DocMapClientTelemetry>();

        Assert.False(DocMapClientTelemetry.Source.HasListeners());
        Assert.False(telemetry.IsEnabled);
        await provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync();
        Assert.Null(Assert.Single(seen));
        Assert.Null(Activity.Current);

        // The same call with a listener runs inside its span and tracker.
        using var otel = new OpenTelemetryCapture();
        Assert.True(telemetry.IsEnabled);
        await provider.GetRequiredService<IDocMapApi>().ListWebhooksAsync();
        Assert.NotNull(seen[1]);
        Assert.Equal(DocMapOperation.ListWebhooks, seen[1]!.Operation);
    }

    [Fact]
    public async Task A_listener_that_only_propagates_gets_the_span_without_a_tag()
    {
        // IsAllDataRequested is false for a span a sampler keeps for its context only: no tag is computed for it,
        // and the HTTP spans still nest under it (the context is what it is for).
        Respond("/v1/webhooks/wh_9", "DELETE", 404, Error("NOT_FOUND", "Webhook not found"));
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DocMapTelemetry.ActivitySourceName or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Source.Name == DocMapTelemetry.ActivitySourceName ? ActivitySamplingResult.PropagationData : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var root = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C).Start();

        await Assert.ThrowsAsync<DocMapApiException>(() => Client().DeleteWebhookAsync("wh_9"));
        root.Stop();

        List<Activity> mine;
        lock (stopped)
        {
            mine = stopped.Where(a => a.TraceId == root.TraceId).ToList();
        }

        var call = Assert.Single(mine, a => a.Source.Name == DocMapTelemetry.ActivitySourceName);
        Assert.Equal("DeleteWebhook", call.DisplayName);
        Assert.False(call.IsAllDataRequested);
        Assert.Empty(call.TagObjects);
        Assert.Equal(call.SpanId, Assert.Single(mine, a => a.Source.Name == "System.Net.Http").ParentSpanId);
    }

    [Fact]
    public void Server_port_is_left_out_for_the_schemes_default_port()
    {
        var docmap = new DocMapServer(new Uri("https://api.docmap.io"));
        Assert.Equal("api.docmap.io", docmap.Address);
        Assert.Null(docmap.Port);
        var local = new DocMapServer(new Uri("http://localhost:8080/"));
        Assert.Equal(8080, local.Port);
    }

    private sealed class TrackerProbe(List<DocMapCallTracker?> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(DocMapCallTracker.Current);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

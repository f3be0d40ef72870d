using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>RequireDocMapSignature and UseDocMapWebhookSignatures on the app's own endpoints (about the pipeline: TestServer).</summary>
public sealed class RequireDocMapSignatureTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static void MapOwnEndpoints(WebApplication app)
    {
        app.MapPost("/own", ([FromBody] DeliveryDto dto, HttpContext context, Recorder recorder) =>
        {
            var webhook = context.GetDocMapWebhookEvent();
            Assert.NotNull(webhook);
            Assert.True(context.GetDocMapWebhookVerification()?.IsValid);
            recorder.Events.Enqueue(webhook);
            recorder.Calls.Enqueue($"dto:{dto.Event}:{dto.ExtractionId}");
            return Results.Text($"got {dto.ExtractionId}");
        }).RequireDocMapSignature();

        app.MapPost("/raw", async (HttpRequest request, Recorder recorder) =>
        {
            using var reader = new StreamReader(request.Body);
            recorder.Calls.Enqueue("raw:" + await reader.ReadToEndAsync());
            return Results.Ok();
        }).RequireDocMapSignature();

        var group = app.MapGroup("/group").RequireDocMapSignature();
        group.MapPost("/event", (WebhookEvent webhook, Recorder recorder) => recorder.Events.Enqueue(webhook));

        app.MapPost("/open", (HttpContext context, Recorder recorder) =>
        {
            Assert.Null(context.GetDocMapWebhookEvent());
            recorder.Calls.Enqueue("open");
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FromBody_endpoint_behind_RequireDocMapSignature_gets_its_body_and_the_verified_event(bool useMiddleware)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            if (useMiddleware)
            {
                app.UseDocMapWebhookSignatures();
            }

            MapOwnEndpoints(app);
        }, testServer: true);
        var body = Deliveries.Body("ext_own");

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/own"));
        using var raw = await host.Client.SendAsync(Deliveries.Signed(body, Secret, "/raw"));

        Assert.Equal("got ext_own", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        await HttpAssert.StatusAsync(HttpStatusCode.OK, raw);
        Assert.Equal(["dto:extraction.completed:ext_own", "raw:" + System.Text.Encoding.UTF8.GetString(body)], host.Recorder.Calls.ToArray());
        Assert.Equal("ext_own", Assert.Single(host.Recorder.Events).ExtractionId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unverified_requests_never_reach_model_binding_or_the_endpoint(bool useMiddleware)
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            if (useMiddleware)
            {
                app.UseDocMapWebhookSignatures();
            }

            MapOwnEndpoints(app);
        }, testServer: true);

        // A body that model binding would reject with 400 must be answered 401: verification runs first.
        using var notJson = await host.Client.SendAsync(Deliveries.Request("not json"u8.ToArray(), WebhookSigner.Sign(Secret, "other"), "/own"));
        using var unsigned = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_x"), null, "/own"));
        using var group = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_x"), "garbage", "/group/event"));

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, notJson);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, unsigned);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, group);
        Assert.Empty(host.Recorder.Calls);
        Assert.Equal(0, host.Recorder.Count);
    }

    [Fact]
    public async Task Group_endpoints_receive_the_verified_event_as_a_parameter()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), MapOwnEndpoints, testServer: true);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_group", "extraction.failed"), Secret, "/group/event"));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var webhook = Assert.Single(host.Recorder.Events);
        Assert.Equal(WebhookEventType.ExtractionFailed, webhook.Type);
        Assert.Equal("ext_group", webhook.ExtractionId);
    }

    [Fact]
    public async Task Middleware_verifies_before_later_middleware_and_leaves_other_endpoints_alone()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
        {
            app.UseDocMapWebhookSignatures();
            app.Use(async (context, next) =>
            {
                // Later middleware already sees the verified event on protected endpoints.
                var webhook = context.GetDocMapWebhookEvent();
                context.RequestServices.GetService<Recorder>()!.Calls.Enqueue($"middleware:{context.Request.Path}:{webhook?.ExtractionId ?? "none"}");
                await next(context);
            });
            MapOwnEndpoints(app);
        }, testServer: true);

        using var verified = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_mw"), Secret, "/group/event"));
        using var rejected = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_mw"), "bad", "/group/event"));
        using var open = await host.Client.SendAsync(Deliveries.Request("anything"u8.ToArray(), null, "/open"));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, verified);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, rejected);
        await HttpAssert.StatusAsync(HttpStatusCode.OK, open);
        Assert.Equal(["middleware:/group/event:ext_mw", "middleware:/open:none", "open"], host.Recorder.Calls.ToArray());
    }

    [Fact]
    public async Task Protected_endpoints_answer_413_and_400_like_the_owned_endpoint()
    {
        var settings = WebhookHost.Settings(SecretText);
        settings["DocMap:Webhooks:MaxBodyBytes"] = "2048";
        await using var host = await WebhookHost.StartAsync(settings, app =>
        {
            app.UseDocMapWebhookSignatures();
            MapOwnEndpoints(app);
        }, testServer: true);

        using var tooLarge = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_big", targetBytes: 4096), Secret, "/own"));
        using var notObject = await host.Client.SendAsync(Deliveries.Signed("[1]"u8.ToArray(), Secret, "/own"));

        await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        await HttpAssert.StatusAsync(HttpStatusCode.BadRequest, notObject);
        Assert.Empty(host.Recorder.Calls);
    }

    [Fact]
    public async Task WebhookEvent_parameter_outside_a_verified_request_is_a_clear_error()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.Settings(SecretText), app =>
            app.MapPost("/unprotected", (WebhookEvent webhook) => webhook.ExtractionId), testServer: true);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_u"), Secret, "/unprotected")));
        Assert.Contains("RequireDocMapSignature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireDocMapSignature_fails_closed_on_an_endpoint_without_a_request_delegate()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocMapWebhooks(o => o.Secrets.Add(SecretText));
        using var provider = services.BuildServiceProvider();
        var conventions = new ConventionCollector().RequireDocMapSignature();
        var endpoint = new RouteEndpointBuilder(null, RoutePatternFactory.Parse("/no-delegate"), 0)
        {
            ApplicationServices = provider,
            DisplayName = "no delegate",
        };

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var convention in conventions.Conventions)
            {
                convention(endpoint);
            }
        });

        Assert.Contains("RequireDocMapSignature", ex.Message, StringComparison.Ordinal);
        Assert.Null(endpoint.RequestDelegate);
    }

    private sealed class ConventionCollector : IEndpointConventionBuilder
    {
        public List<Action<EndpointBuilder>> Conventions { get; } = [];

        public void Add(Action<EndpointBuilder> convention) => Conventions.Add(convention);
    }
}

using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>An MVC controller with a [FromBody] action behind RequireDocMapSignature() (about the pipeline: TestServer).</summary>
public sealed class ControllerTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static Task<WebhookHost> StartAsync(bool useMiddleware) =>
        WebhookHost.StartAsync(
            WebhookHost.Settings(SecretText),
            app =>
            {
                if (useMiddleware)
                {
                    app.UseDocMapWebhookSignatures();
                }

                app.MapControllers().RequireDocMapSignature();
            },
            testServer: true,
            configure: b => b.Services.AddControllers()
                .AddApplicationPart(typeof(ControllerTests).Assembly)
                .AddJsonOptions(o => o.JsonSerializerOptions.TypeInfoResolverChain.Insert(0, TestJsonContext.Default)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FromBody_controller_action_gets_its_body_after_verification(bool useMiddleware)
    {
        await using var host = await StartAsync(useMiddleware);

        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_mvc", "extraction.failed"), Secret, "/mvc/deliveries"));

        Assert.Equal("extraction.failed/ext_mvc/ext_mvc", await HttpAssert.StatusAsync(HttpStatusCode.OK, response));
        Assert.Equal(["mvc:ext_mvc"], host.Recorder.Calls.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unverified_deliveries_never_reach_the_controller(bool useMiddleware)
    {
        await using var host = await StartAsync(useMiddleware);

        using var unsigned = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_mvc"), null, "/mvc/deliveries"));
        using var wrong = await host.Client.SendAsync(Deliveries.Request(Deliveries.Body("ext_mvc"), WebhookSigner.Sign(WebhookSecret.Parse(Deliveries.NewSecretText()), "x"), "/mvc/deliveries"));

        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, unsigned);
        await HttpAssert.StatusAsync(HttpStatusCode.Unauthorized, wrong);
        Assert.Empty(host.Recorder.Calls);
    }
}

[ApiController]
[Route("mvc/deliveries")]
public sealed class DeliveriesController(Recorder recorder) : ControllerBase
{
    [HttpPost]
    public ActionResult<string> Post([FromBody] DeliveryDto delivery)
    {
        var webhook = HttpContext.GetDocMapWebhookEvent();
        if (webhook is null)
        {
            return Problem("not verified");
        }

        recorder.Calls.Enqueue($"mvc:{delivery.ExtractionId}");
        return $"{delivery.Event}/{delivery.ExtractionId}/{webhook.ExtractionId}";
    }
}

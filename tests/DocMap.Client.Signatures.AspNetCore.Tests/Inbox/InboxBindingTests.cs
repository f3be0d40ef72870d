using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>A delegate handler binds in the inbox's background run exactly as in a live request.</summary>
public sealed class InboxBindingTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    public sealed class ScopedProbe
    {
        public Guid Id { get; } = Guid.NewGuid();
    }

    [Fact]
    public async Task DI_services_the_event_the_cancellation_token_and_a_FromBody_record_bind_in_the_background_run()
    {
        await using var host = await InboxHosts.StartAsync(
            SecretText,
            app => app.MapDocMapWebhooks(Deliveries.Path, async (
                [FromBody] DeliveryDto dto,
                WebhookEvent webhook,
                Recorder recorder,
                ScopedProbe probe,
                IServiceProvider services,
                HttpContext context,
                HandlerGate gate,
                CancellationToken cancellationToken) =>
            {
                await gate.PassAsync(webhook.ExtractionId!, cancellationToken);
                recorder.Calls.Enqueue(string.Join("|",
                    dto.Event,
                    dto.ExtractionId,
                    webhook.ExtractionId,
                    webhook.Type,
                    context.GetDocMapWebhookEvent()?.ExtractionId,
                    ReferenceEquals(context.GetDocMapWebhookEvent(), webhook),
                    context.GetDocMapWebhookVerification() is null,
                    cancellationToken.CanBeCanceled,
                    cancellationToken == context.RequestAborted,
                    ReferenceEquals(services.GetRequiredService<ScopedProbe>(), probe),
                    context.Request.Path));
                recorder.Events.Enqueue(webhook);
            }),
            configure: b => b.Services.AddScoped<ScopedProbe>());
        var body = Deliveries.Body("ext_bind");

        using var response = await host.Client.SendAsync(Deliveries.Signed(body, Secret));

        // The request is answered while the handler has not even finished: it runs in the background.
        var text = await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("""{"status":"accepted"}""", text);
        await Eventually.TrueAsync(() => host.Gate().Entered.Count == 1, "the background run starts");
        Assert.Empty(host.Recorder.Calls);
        host.Gate().Open();
        await Eventually.TrueAsync(() => host.Recorder.Calls.Count == 1, "the handler ran");
        Assert.Equal(
            $"extraction.completed|ext_bind|ext_bind|extraction.completed|ext_bind|True|True|True|True|True|{Deliveries.Path}",
            Assert.Single(host.Recorder.Calls));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(body), Assert.Single(host.Recorder.Events).RawJson);
        await Eventually.TrueAsync(async () => (await host.Store().GetStatsAsync(default)).Queued == 0 && (await host.Store().GetStatsAsync(default)).Running == 0, "the message completes");
    }
}

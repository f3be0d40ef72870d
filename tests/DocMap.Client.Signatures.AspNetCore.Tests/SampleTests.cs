using System.Net;
using DocMap.Client.Signatures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>The WebhookReceiver sample, hosted in process.</summary>
public sealed class SampleTests
{
    private sealed class SampleFactory(string? secret) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            if (secret is not null)
            {
                // The same key the environment variable DocMap__Webhooks__Secrets__0 sets.
                builder.UseSetting("DocMap:Webhooks:Secrets:0", secret);
            }

            builder.ConfigureLogging(logging => logging.AddFakeLogging());
        }
    }

    [Fact]
    public async Task The_sample_verifies_a_delivery_and_logs_its_type_and_extraction_id()
    {
        var secretText = Deliveries.NewSecretText();
        await using var factory = new SampleFactory(secretText);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_sample"), WebhookSecret.Parse(secretText), "/webhooks/docmap"));
        using var unsigned = await client.SendAsync(Deliveries.Request(Deliveries.Body("ext_sample2"), null, "/webhooks/docmap"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        var logs = factory.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        var received = Assert.Single(logs, r => r.Category == "WebhookReceiver");
        Assert.Equal(LogLevel.Information, received.Level);
        Assert.Equal("extraction.completed", received.GetStructuredStateValue("EventType"));
        Assert.Equal("ext_sample", received.GetStructuredStateValue("ExtractionId"));
    }

    [Fact]
    public void The_sample_without_a_secret_fails_fast_naming_the_setting()
    {
        using var factory = new SampleFactory(null);

        var ex = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("DocMap:Webhooks:Secrets", ex.Message, StringComparison.Ordinal);
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using DocMap.Client.Signatures;

namespace DocMap.Client.Tests;

/// <summary>
/// The output models can grow (issue 9): sealed classes with get/init properties, no public constructor (so no
/// all-fields constructor to break), no <c>Deconstruct</c>, no value equality; users' tests build them through
/// <see cref="DocMapModelFactory"/>.
/// </summary>
public sealed class ModelShapeTests : WireMockTestBase
{
    public static TheoryData<Type> OutputModels => new() { typeof(Webhook), typeof(WebhookDelivery), typeof(CreateWebhookResult), typeof(DataEnvelope<string>) };

    [Theory]
    [MemberData(nameof(OutputModels))]
    public void Output_models_are_sealed_classes_with_init_properties_and_no_public_constructor_or_Deconstruct(Type model)
    {
        Assert.True(model.IsClass && model.IsSealed);
        Assert.Empty(model.GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        Assert.DoesNotContain(model.GetMethods(), m => m.Name is "Deconstruct" or "<Clone>$");
        Assert.DoesNotContain(model.GetMethods(BindingFlags.Public | BindingFlags.Static), m => m.Name is "op_Equality" or "op_Inequality");
        foreach (var property in model.GetProperties().Where(p => p.SetMethod is not null))
        {
            // An init accessor carries the IsExternalInit modifier on its return value.
            Assert.Contains(typeof(IsExternalInit), property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers());
        }
    }

    [Fact]
    public void DocMapModelFactory_builds_every_model_with_sensible_defaults()
    {
        var webhook = DocMapModelFactory.Webhook();
        Assert.Equal("wh_test", webhook.Id);
        Assert.Equal("usr_test", webhook.UserId);
        Assert.Equal("https://example.com/webhooks/docmap", webhook.Url);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], webhook.Events);
        Assert.True(webhook.Active);
        Assert.Equal(DateTimeOffset.UnixEpoch, webhook.CreatedAt);

        var delivery = DocMapModelFactory.WebhookDelivery();
        Assert.Equal(("dlv_test", "usr_test", "wh_test", "ext_test"), (delivery.Id, delivery.UserId, delivery.WebhookId, delivery.ExtractionId));
        Assert.Equal(WebhookEventType.ExtractionCompleted, delivery.Event);
        Assert.Equal(DeliveryStatus.Success, delivery.Status);
        Assert.Equal(200, delivery.HttpStatus);
        Assert.Null(delivery.Error);
        Assert.Equal(100, delivery.DurationMs);
        Assert.Equal(DateTimeOffset.UnixEpoch, delivery.CreatedAt);

        var created = DocMapModelFactory.CreateWebhookResult();
        Assert.Matches("^[0-9a-f]{64}$", created.Secret);
        Assert.NotEqual(created.Secret, DocMapModelFactory.CreateWebhookResult().Secret); // random unless given
        Assert.Equal("wh_test", created.Webhook.Id);
        Assert.Equal(WebhookSecret.Parse(created.Secret), created.WebhookSecret);

        var envelope = DocMapModelFactory.DataEnvelope<IReadOnlyList<Webhook>>([webhook]);
        Assert.Same(webhook, Assert.Single(envelope.Data));
    }

    [Fact]
    public void DocMapModelFactory_takes_every_member_and_copies_the_events()
    {
        var created = new DateTimeOffset(2025, 1, 20, 14, 30, 4, TimeSpan.Zero);
        var events = new List<WebhookEventType> { WebhookEventType.ExtractionFailed };
        var webhook = DocMapModelFactory.Webhook("wh_1", "usr_1", "https://x.test/h", events, active: false, created);
        events.Add(WebhookEventType.ExtractionCompleted);

        Assert.Equal(("wh_1", "usr_1", "https://x.test/h", false, created), (webhook.Id, webhook.UserId, webhook.Url, webhook.Active, webhook.CreatedAt));
        Assert.Equal([WebhookEventType.ExtractionFailed], webhook.Events);

        var delivery = DocMapModelFactory.WebhookDelivery(
            "dlv_1", "usr_1", "wh_1", "ext_1", WebhookEventType.ExtractionFailed, "https://x.test/h", DeliveryStatus.Failed, httpStatus: null, error: "timeout", durationMs: 10_000, createdAt: created);
        Assert.Equal(
            ("dlv_1", "usr_1", "wh_1", "ext_1", WebhookEventType.ExtractionFailed, "https://x.test/h", DeliveryStatus.Failed, (int?)null, "timeout", 10_000, created),
            (delivery.Id, delivery.UserId, delivery.WebhookId, delivery.ExtractionId, delivery.Event, delivery.Url, delivery.Status, delivery.HttpStatus, delivery.Error, delivery.DurationMs, delivery.CreatedAt));

        var result = DocMapModelFactory.CreateWebhookResult(Secret, webhook);
        Assert.Equal(Secret, result.Secret);
        Assert.Same(webhook, result.Webhook);
    }

    [Fact]
    public void DocMapModelFactory_refuses_nulls_where_the_models_promise_a_value()
    {
        Assert.Equal("id", Assert.Throws<ArgumentNullException>(() => DocMapModelFactory.Webhook(id: null!)).ParamName);
        Assert.Equal("url", Assert.Throws<ArgumentNullException>(() => DocMapModelFactory.Webhook(url: null!)).ParamName);
        Assert.Equal("extractionId", Assert.Throws<ArgumentNullException>(() => DocMapModelFactory.WebhookDelivery(extractionId: null!)).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => DocMapModelFactory.DataEnvelope<IReadOnlyList<Webhook>>(null!)).ParamName);
    }

    [Fact]
    public void Models_compare_by_reference_and_print_their_members()
    {
        Assert.NotEqual(DocMapModelFactory.Webhook(), DocMapModelFactory.Webhook());
        Assert.Contains("Id = wh_test", DocMapModelFactory.Webhook().ToString(), StringComparison.Ordinal);
        Assert.Contains("Events = [extraction.completed, extraction.failed]", DocMapModelFactory.Webhook().ToString(), StringComparison.Ordinal);
        Assert.Contains("HttpStatus = 200", DocMapModelFactory.WebhookDelivery().ToString(), StringComparison.Ordinal);
        Assert.Equal("DataEnvelope { Data = [2 items] }", DocMapModelFactory.DataEnvelope<IReadOnlyList<Webhook>>([DocMapModelFactory.Webhook(), DocMapModelFactory.Webhook()]).ToString());
    }

    [Fact]
    public async Task CreateWebhookResult_offers_the_secret_parsed_once_as_a_WebhookSecret()
    {
        Respond("/v1/webhooks", "POST", 200, Examples.CreateResponse);

        var created = (await CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]))).Data;

        Assert.Equal(WebhookSecret.Parse(Secret), created.WebhookSecret);
        Assert.Same(created.WebhookSecret, created.WebhookSecret);
        var signature = WebhookSigner.Sign(created.WebhookSecret, "{}"u8);
        Assert.True(new WebhookSignatureVerifier(WebhookSecret.Parse(created.Secret)).Verify("{}"u8, signature).IsValid);
    }

    [Theory]
    [InlineData("whsec_0123456789abcdef")]                                               // another provider's format
    [InlineData("0123456789abcdef0123456789abcdef")]                                     // 32 hex
    [InlineData("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]     // 64 characters, not all hex
    [InlineData("")]
    public async Task A_secret_that_is_not_64_hex_still_deserializes_and_stays_readable_but_WebhookSecret_says_why(string secret)
    {
        var body = Examples.CreateResponse.Replace(Secret, secret, StringComparison.Ordinal);
        Respond("/v1/webhooks", "POST", 200, body);

        var created = (await CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted]))).Data;

        Assert.Equal(secret, created.Secret);  // shown once: never lost
        Assert.Equal("wh_01HQ3K", created.Webhook.Id);
        var error = Assert.Throws<FormatException>(() => created.WebhookSecret);
        Assert.Contains("64 hexadecimal characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateWebhookResult.Secret", error.Message, StringComparison.Ordinal);
        Assert.Contains($"it has {secret.Length} characters", error.Message, StringComparison.Ordinal);
        if (secret.Length > 0)
        {
            Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, created.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CreateWebhookResult_ToString_shows_neither_the_secret_nor_its_parsed_form()
    {
        var created = DocMapModelFactory.CreateWebhookResult(Secret);
        _ = created.WebhookSecret;

        var text = created.ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(created.WebhookSecret.Fingerprint, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, DocMapModelFactory.DataEnvelope(created).ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Secret = ****", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_response_without_a_secret_is_not_the_documented_json()
    {
        Respond("/v1/webhooks", "POST", 200, $$$"""{"data":{"webhook":{{{Examples.Webhook}}}}}""");

        var error = await Assert.ThrowsAsync<DocMapApiException>(() => CreateClient().CreateWebhookAsync(new("https://example.com/h", [WebhookEventType.ExtractionCompleted])));

        Assert.Contains("not the documented JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("secret", error.Message, StringComparison.Ordinal);
    }
}

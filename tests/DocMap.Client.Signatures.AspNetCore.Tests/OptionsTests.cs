using System.Net;
using DocMap.Client.Signatures;
using DocMap.Client.Signatures.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace DocMap.Client.Signatures.AspNetCore.Tests;

/// <summary>Start-up validation, binding, and secret rotation by configuration reload.</summary>
public sealed class OptionsTests
{
    private static readonly string SecretText = Deliveries.NewSecretText();
    private static readonly WebhookSecret Secret = WebhookSecret.Parse(SecretText);

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> settings)
    {
        var builder = WebhookHost.CreateBuilder(settings, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        await using var app = builder.Build();
        app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(timeout.Token));
    }

    [Fact]
    public async Task No_secret_stops_the_app_naming_the_setting()
    {
        var ex = await StartFailsAsync(new Dictionary<string, string?>());

        Assert.Contains("DocMap:Webhooks:Secrets", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at least one", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("too-short")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00")]
    [InlineData(" 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("")]
    public async Task A_malformed_secret_stops_the_app_naming_the_setting_and_index_but_never_the_value(string bad)
    {
        var good = Deliveries.NewSecretText();
        var ex = await StartFailsAsync(WebhookHost.Settings(good, bad));

        Assert.Contains("DocMap:Webhooks:Secrets:1", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DocMap:Webhooks:Secrets:0", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(good, ex.Message, StringComparison.OrdinalIgnoreCase);
        if (bad.Trim().Length > 0)
        {
            Assert.DoesNotContain(bad.Trim(), ex.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("MaxBodyBytes", "0", "DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("MaxBodyBytes", "-5", "DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("MaxSignaturesPerHeader", "0", "DocMap:Webhooks:MaxSignaturesPerHeader")]
    [InlineData("HeaderName", " ", "DocMap:Webhooks:HeaderName")]
    [InlineData("KeyDerivation", "7", "DocMap:Webhooks:KeyDerivation")]
    [InlineData("BodyReadTimeout", "00:00:00", "DocMap:Webhooks:BodyReadTimeout")]
    [InlineData("BodyReadTimeout", "-00:00:05", "DocMap:Webhooks:BodyReadTimeout")]
    [InlineData("BodyReadTimeout", "01:00:00.001", "DocMap:Webhooks:BodyReadTimeout")]
    public async Task Other_invalid_settings_stop_the_app_naming_the_setting(string key, string value, string expected)
    {
        var settings = WebhookHost.Settings(Deliveries.NewSecretText());
        settings[$"DocMap:Webhooks:{key}"] = value;

        var ex = await StartFailsAsync(settings);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_configured_options_are_validated_too()
    {
        var builder = WebhookHost.CreateBuilder(null, testServer: true);
        builder.Services.AddDocMapWebhooks(o => o.Secrets.Add("not-a-secret"));
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(timeout.Token));

        Assert.Contains("DocMap:Webhooks:Secrets:0", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_app_configuration_can_be_passed_whole_and_code_adjusts_the_bound_options()
    {
        var secretText = Deliveries.NewSecretText();
        var builder = WebhookHost.CreateBuilder(WebhookHost.Settings(secretText), testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration, o => o.MaxBodyBytes = 2048);
        await using var app = builder.Build();
        MapDocMapWebhooksTests.MapDelegate(app);
        await app.StartAsync();
        using var client = app.GetTestClient();
        var secret = WebhookSecret.Parse(secretText);

        using var ok = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_root", targetBytes: 1024), secret));
        using var tooLarge = await client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_root", targetBytes: 4096), secret));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new DocMapWebhookOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), options.BodyReadTimeout);
        Assert.Equal(DocMapWebhookOptions.DefaultMaxBodyBytes, options.MaxBodyBytes);
        Assert.Empty(new DocMapWebhookOptions { Secrets = { Deliveries.NewSecretText() } }.Validate(null));
    }

    [Fact]
    public async Task Scheme_settings_are_checked_by_the_signature_packages_own_rules_under_the_configuration_path()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Receivers:DocMap:Secrets:0"] = Deliveries.NewSecretText(),
            ["Receivers:DocMap:HeaderName"] = " ",
            ["Receivers:DocMap:MaxSignaturesPerHeader"] = "0",
        };
        var builder = WebhookHost.CreateBuilder(settings, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection("Receivers:DocMap"));
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var expected = WebhookSignatureOptions.Validate(" ", WebhookKeyDerivation.Utf8Text, 0).Select(p => "Receivers:DocMap:" + p).ToArray();
        Assert.Equal(2, expected.Length);
        Assert.Equal(expected, ex.Failures.ToArray());
    }

    [Fact]
    public async Task A_custom_section_is_named_in_validation_messages()
    {
        var builder = WebhookHost.CreateBuilder(new Dictionary<string, string?> { ["Receivers:DocMap:Secrets:0"] = "nope" }, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection("Receivers:DocMap"));
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Receivers:DocMap:Secrets:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_arguments_are_rejected_with_the_parameter_name()
    {
        var services = new ServiceCollection();
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => services.AddDocMapWebhooks((Action<DocMapWebhookOptions>)null!)).ParamName);
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => services.AddDocMapWebhooks((IConfiguration)null!)).ParamName);
    }

    [Fact]
    public async Task All_settings_bind_from_configuration_and_change_the_scheme()
    {
        var secretText = Deliveries.NewSecretText();
        var secret = WebhookSecret.Parse(secretText);
        var settings = WebhookHost.Settings(secretText);
        settings["DocMap:Webhooks:HeaderName"] = "X-Custom-Signature";
        settings["DocMap:Webhooks:KeyDerivation"] = "HexDecoded";
        settings["DocMap:Webhooks:MaxSignaturesPerHeader"] = "2";
        settings["DocMap:Webhooks:MaxBodyBytes"] = "65536";
        settings["DocMap:Webhooks:BodyReadTimeout"] = "00:00:02.500";
        await using var host = await WebhookHost.StartAsync(settings, MapDocMapWebhooksTests.MapDelegate, testServer: true);
        var options = host.App.Services.GetRequiredService<IOptionsMonitor<DocMapWebhookOptions>>().CurrentValue;
        Assert.Equal(65536, options.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.BodyReadTimeout);
        Assert.Equal(2, options.MaxSignaturesPerHeader);
        var body = Deliveries.Body("ext_hex");
        var hexSignature = WebhookSigner.Sign(secret, body, new WebhookSignatureOptions { KeyDerivation = WebhookKeyDerivation.HexDecoded });
        var wrong = new string('0', 64);

        async Task<HttpStatusCode> SendAsync(string header, string value)
        {
            using var request = Deliveries.Request(body, null);
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await host.Client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync("X-Custom-Signature", hexSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("X-DocMap-Signature", hexSignature));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("X-Custom-Signature", WebhookSigner.Sign(secret, body)));
        Assert.Equal(HttpStatusCode.OK, await SendAsync("X-Custom-Signature", $"{wrong},{hexSignature}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync("X-Custom-Signature", $"{wrong},{wrong},{hexSignature}"));
    }

    private static void Reload(ReloadableConfigurationSource source, Dictionary<string, string?> settings)
    {
        try
        {
            source.Replace(settings);
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.All(e => e is OptionsValidationException or InvalidOperationException))
        {
            // OptionsMonitor re-reads (binds and validates) the options inside the reload callback and reports an
            // invalid reload to the provider that triggered it (a file watcher's task swallows it); the receiver
            // keeps its previous secrets.
        }
    }

    private static IEnumerable<string> EverythingLogged(WebhookHost host) =>
        host.Logs.GetSnapshot().SelectMany(r =>
            new[] { r.Message, r.Exception?.ToString() ?? "" }
                .Concat(r.StructuredState?.Select(kv => kv.Value ?? "") ?? []));

    [Fact]
    public async Task Configuration_reload_rotates_secrets_without_a_restart()
    {
        var oldText = Deliveries.NewSecretText();
        var newText = Deliveries.NewSecretText();
        var oldSecret = WebhookSecret.Parse(oldText);
        var newSecret = WebhookSecret.Parse(newText);
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(oldText));
        await using var _ = host;

        async Task<HttpStatusCode> SendAsync(WebhookSecret secret, string id)
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body(id), secret));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync(oldSecret, "ext_1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(newSecret, "ext_2"));

        // Rotation step 1: both secrets.
        Reload(source, WebhookHost.Settings(oldText, newText));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(oldSecret, "ext_3"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(newSecret, "ext_4"));

        // Rotation step 2: only the new secret.
        Reload(source, WebhookHost.Settings(newText));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(oldSecret, "ext_5"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(newSecret, "ext_6"));

        Assert.Equal(["ext_1", "ext_3", "ext_4", "ext_6"], host.Recorder.Events.Select(e => e.ExtractionId ?? "").ToArray());
        var reloads = host.Logs.GetSnapshot().Where(r => r.Id.Id == 4007).ToList();
        Assert.Equal(2, reloads.Count);
        Assert.Equal($"{oldSecret.Fingerprint},{newSecret.Fingerprint}", reloads[0].GetStructuredStateValue("KeyFingerprints"));
        Assert.Equal(newSecret.Fingerprint, reloads[1].GetStructuredStateValue("KeyFingerprints"));
    }

    [Fact]
    public async Task A_reload_that_fails_validation_keeps_the_previous_secrets_and_is_logged()
    {
        var goodText = Deliveries.NewSecretText();
        var good = WebhookSecret.Parse(goodText);
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(goodText));
        await using var _ = host;
        using (var first = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_before"), good)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Reload(source, WebhookHost.Settings("oops-not-a-secret"));
        for (var i = 0; i < 3; i++)
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body($"ext_after{i}"), good));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4008);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("DocMap:Webhooks:Secrets:0", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("oops-not-a-secret", rejected.Message, StringComparison.Ordinal);

        // Fixing the configuration takes effect again.
        var nextText = Deliveries.NewSecretText();
        Reload(source, WebhookHost.Settings(nextText));
        using (var old = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_old"), good)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        using (var next = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_next"), WebhookSecret.Parse(nextText))))
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }

        Assert.Equal(5, host.Recorder.Count);
    }

    [Theory]
    [InlineData("DocMap:Webhooks:Secrets")]
    [InlineData("DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("DocMap:Webhooks:KeyDerivation")]
    public async Task Start_up_with_a_secret_under_the_wrong_key_fails_without_the_value(string key)
    {
        var misplaced = Deliveries.NewSecretText();
        var settings = key == "DocMap:Webhooks:Secrets" ? new Dictionary<string, string?>() : WebhookHost.Settings(SecretText);
        settings[key] = misplaced;
        var builder = WebhookHost.CreateBuilder(settings, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        await using var app = builder.Build();
        app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(timeout.Token));

        // The wrong type (binding) or no secret at all (validation): either way a typed start-up failure.
        Assert.True(ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException, ex.GetType().FullName);

        Assert.Contains("DocMap:Webhooks", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(misplaced, ex.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("BodyReadTimeout", "10s")]
    [InlineData("MaxBodyBytes", "1MB")]
    [InlineData("MaxSignaturesPerHeader", "eight")]
    [InlineData("KeyDerivation", "Sha256")]
    public async Task A_value_of_the_wrong_type_stops_the_app_with_a_message_that_names_its_setting_and_format(string key, string value)
    {
        var settings = WebhookHost.Settings(SecretText);
        settings[$"DocMap:Webhooks:{key}"] = value;
        var builder = WebhookHost.CreateBuilder(settings, testServer: true);
        builder.Services.AddDocMapWebhooks(builder.Configuration.GetSection(DocMapWebhookOptions.SectionName));
        await using var app = builder.Build();
        app.MapDocMapWebhooks<RecordingHandler>(Deliveries.Path);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ex = await Assert.ThrowsAsync<Internal.DocMapWebhookBindingException>(() => app.StartAsync(timeout.Token));

        // The binder's own message (which quotes the value) is not shown, so the setting must be findable from ours.
        Assert.Contains($"DocMap:Webhooks:{key} ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_reload_before_the_first_delivery_keeps_the_start_up_secrets()
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;

        Reload(source, WebhookHost.Settings("oops-not-a-secret"));
        for (var i = 0; i < 2; i++)
        {
            using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body($"ext_{i}"), Secret));
            await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4008);
        Assert.Equal(Secret.Fingerprint, rejected.GetStructuredStateValue("KeyFingerprints"));
        Assert.DoesNotContain(EverythingLogged(host), text => text.Contains("oops-not-a-secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DocMap:Webhooks:KeyDerivation")]
    [InlineData("DocMap:Webhooks:MaxBodyBytes")]
    [InlineData("DocMap:Webhooks:MaxSignaturesPerHeader")]
    public async Task A_reload_with_a_secret_under_the_wrong_key_never_logs_the_value(string key)
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;
        var misplaced = Deliveries.NewSecretText();
        var settings = WebhookHost.Settings(SecretText);
        settings[key] = misplaced;

        Reload(source, settings);
        using var response = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_wrong_key"), Secret));

        await HttpAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4008);
        Assert.Contains("DocMap:Webhooks", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(EverythingLogged(host), text => text.Contains(misplaced, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_reload_that_changes_nothing_the_endpoint_uses_does_not_rebuild_or_log()
    {
        var (host, source) = await WebhookHost.StartReloadableAsync(WebhookHost.Settings(SecretText));
        await using var _ = host;
        using (var first = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_a"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, first);
        }

        var unrelated = WebhookHost.Settings(SecretText);
        unrelated["Logging:LogLevel:Default"] = "Information";
        Reload(source, unrelated);
        using (var second = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_b"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, second);
        }

        Reload(source, WebhookHost.Settings(SecretText));
        using (var third = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_c"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.OK, third);
        }

        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Id.Id == 4007);

        // A real change (a different limit) is still picked up and logged once.
        var changed = WebhookHost.Settings(SecretText);
        changed["DocMap:Webhooks:MaxBodyBytes"] = "100";
        Reload(source, changed);
        using (var tooLarge = await host.Client.SendAsync(Deliveries.Signed(Deliveries.Body("ext_d"), Secret)))
        {
            await HttpAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        }

        Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 4007);
    }
    [Fact]
    public void A_valid_reload_after_a_rejected_one_takes_effect_even_when_a_request_reads_the_settings_mid_reload()
    {
        // The reload callbacks run one after another on the reloading thread: the receiver's own change-token
        // subscription and the options monitor's (which drops its cached value, here the previous reload's failure,
        // and reads the new options). A request served between the two used to mark the new change as rejected
        // (the monitor still threw the old failure) and the corrected secrets were then ignored until the next
        // change. The probe below is that request: registered after the monitor and before the receiver, it runs
        // between them in every other reload (callbacks run newest first and re-register as they run).
        var source = new ReloadableConfigurationSource();
        source.Replace(WebhookHost.Settings(SecretText));
        var configuration = new ConfigurationBuilder().Add(source).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocMapWebhooks(configuration.GetSection(DocMapWebhookOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptionsMonitor<DocMapWebhookOptions>>().CurrentValue;
        Internal.DocMapWebhookRuntime? runtime = null;
        var probes = 0;
        using var probe = ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            probes++;
            _ = runtime?.Current;
        });
        runtime = provider.GetRequiredService<Internal.DocMapWebhookRuntime>();
        var body = Deliveries.Body("ext_reload_race");
        Assert.True(runtime.Current.Verifier.Verify(body, WebhookSigner.Sign(Secret, body)).IsValid);

        for (var round = 0; round < 4; round++)
        {
            // Two rejected reloads, then the fix: over the rounds the fix lands in both callback orders.
            for (var bad = 0; bad < 2; bad++)
            {
                Reload(source, WebhookHost.Settings("oops-not-a-secret"));
                Assert.NotNull(runtime.Current);
            }

            var fixedText = Deliveries.NewSecretText();
            Reload(source, WebhookHost.Settings(fixedText));

            var signed = WebhookSigner.Sign(WebhookSecret.Parse(fixedText), body);
            Assert.True(runtime.Current.Verifier.Verify(body, signed).IsValid, $"round {round}: the corrected secrets were not taken");
        }

        Assert.Equal(12, probes);
    }
}

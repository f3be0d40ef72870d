using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using DocMap.Samples.Quickstart;

namespace DocMap.Client.Testing.Tests;

/// <summary>Runs the quickstart's flows so the sample cannot rot.</summary>
public sealed partial class QuickstartTests
{
    [GeneratedRegex(@"Secret: ([0-9a-f]{64})")]
    private static partial Regex SecretLine();

    [Fact]
    public async Task The_emulator_walkthrough_verifies_and_handles_both_deliveries_and_exits_0()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var result = await QuickstartFlow.RunOnEmulatorAsync(output, timeout.Token);
        var text = output.ToString();

        Assert.Equal(QuickstartFlow.Success, result.ExitCode);

        // Both events reached the handler, each after its signature verified with the webhook's secret.
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], result.Handled.Select(h => h.Type));
        Assert.All(result.Handled, h => Assert.StartsWith("ext_", h.ExtractionId, StringComparison.Ordinal));
        Assert.Single(result.Handled.Select(h => h.SecretFingerprint).Distinct());
        Assert.Matches("^[0-9a-f]{8}$", result.Handled[0].SecretFingerprint);
        Assert.Equal(2, Regex.Matches(text, "receiver: signature verified").Count);

        // The delivery log shows two successes, newest first, matching what was handled.
        Assert.Equal(2, result.DeliveryLog.Count);
        Assert.All(result.DeliveryLog, d => Assert.Equal(DeliveryStatus.Success, d.Status));
        Assert.All(result.DeliveryLog, d => Assert.Equal(200, d.HttpStatus));
        Assert.Equal(result.Handled.Reverse().Select(h => h.ExtractionId), result.DeliveryLog.Select(d => d.ExtractionId));

        // The forged delivery was refused and never handled.
        Assert.Equal(HttpStatusCode.Unauthorized, result.ForgedDeliveryStatus);

        // A person can follow it: every step, the secret once with its warning, and the table.
        for (var step = 1; step <= 7; step++)
        {
            Assert.Contains($"Step {step}.", text, StringComparison.Ordinal);
        }

        var secret = Assert.Single(SecretLine().Matches(text)).Groups[1].Value;
        Assert.Single(Regex.Matches(text, secret));
        Assert.Contains("only once", text, StringComparison.Ordinal);
        Assert.Matches(@"extraction\.failed\s+success\s+200\s+\d+ ms", text);
        Assert.Matches(@"extraction\.completed\s+success\s+200\s+\d+ ms", text);
        Assert.Contains("Done:", text, StringComparison.Ordinal);
        Assert.DoesNotMatch("dm_test_[0-9a-f]{64}", text); // the API key is never printed
    }

    [Fact]
    public async Task Without_an_api_key_RunAsync_runs_the_walkthrough_and_refuses_commands()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        Assert.Equal(QuickstartFlow.Success, await QuickstartFlow.RunAsync([], null, null, output, timeout.Token));
        Assert.Contains("Done:", output.ToString(), StringComparison.Ordinal);

        using var refused = new StringWriter();
        Assert.Equal(QuickstartFlow.UsageError, await QuickstartFlow.RunAsync(["create", "https://example.com/hook"], "", null, refused, timeout.Token));
        Assert.Contains("DOCMAP_API_KEY", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_api_key_it_lists_webhooks_and_deliveries_and_creates_nothing()
    {
        // The emulator stands in for api.docmap.io: the same code path as a real account.
        await using var docmap = DocMapEmulator.Start();
        var existing = (await docmap.CreateClient().CreateWebhookAsync(
            new CreateWebhookRequest(TestReceiver.ClosedPortUrl(), [WebhookEventType.ExtractionCompleted]))).Data;
        await docmap.TriggerAsync(WebhookEventType.ExtractionCompleted);
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync([], docmap.ApiKey, docmap.Url, output, CancellationToken.None);
        var text = output.ToString();

        Assert.Equal(QuickstartFlow.Success, exit);
        Assert.Equal(1, docmap.GetRequestCount(DocMapEndpoint.CreateWebhook)); // only the arrange step's
        Assert.Equal(1, docmap.GetRequestCount(DocMapEndpoint.ListWebhooks));
        Assert.Equal(1, docmap.GetRequestCount(DocMapEndpoint.ListDeliveries));
        Assert.Contains("/v1/webhooks/deliveries?limit=20", docmap.Requests.Single(r => r.Endpoint == DocMapEndpoint.ListDeliveries).Path, StringComparison.Ordinal);
        Assert.Contains("Your webhooks (GET /v1/webhooks): 1", text, StringComparison.Ordinal);
        Assert.Contains(existing.Webhook.Id, text, StringComparison.Ordinal);
        Assert.Matches(@"extraction\.completed\s+failed\s+-\s+\d+ ms", text); // no HTTP status: the port was closed
        Assert.DoesNotContain("Secret:", text, StringComparison.Ordinal);
        Assert.DoesNotContain(docmap.ApiKey, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_prints_the_secret_exactly_once_with_the_warning()
    {
        await using var docmap = DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync(["create", "https://example.com/webhooks/docmap"], docmap.ApiKey, docmap.Url, output, CancellationToken.None);
        var text = output.ToString();

        Assert.Equal(QuickstartFlow.Success, exit);
        Assert.Equal(1, docmap.GetRequestCount(DocMapEndpoint.CreateWebhook));
        var webhook = Assert.Single((await docmap.CreateClient().ListWebhooksAsync()).Data);
        Assert.Equal("https://example.com/webhooks/docmap", webhook.Url);
        Assert.Equal([WebhookEventType.ExtractionCompleted, WebhookEventType.ExtractionFailed], webhook.Events);

        var secret = Assert.Single(SecretLine().Matches(text)).Groups[1].Value;
        Assert.Single(Regex.Matches(text, secret));
        Assert.Contains("only once", text, StringComparison.Ordinal);
        Assert.Contains("DocMap__Webhooks__Secrets__0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_chosen_events_subscribes_to_those_only()
    {
        await using var docmap = DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync(["create", "https://example.com/h", "extraction.failed"], docmap.ApiKey, docmap.Url, output, CancellationToken.None);

        Assert.Equal(QuickstartFlow.Success, exit);
        var webhook = Assert.Single((await docmap.CreateClient().ListWebhooksAsync()).Data);
        Assert.Equal([WebhookEventType.ExtractionFailed], webhook.Events);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("create")]
    [InlineData("create", "")]
    [InlineData("create", "https://example.com/h", " ")]
    public async Task A_command_it_does_not_understand_prints_usage_and_exits_2(params string[] args)
    {
        await using var docmap = DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync(args, docmap.ApiKey, docmap.Url, output, CancellationToken.None);

        Assert.Equal(QuickstartFlow.UsageError, exit);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(docmap.Requests);
    }

    [Fact]
    public async Task An_event_DocMap_does_not_know_is_refused_by_the_server_with_exit_1()
    {
        await using var docmap = DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync(["create", "https://example.com/h", "extraction.archived"], docmap.ApiKey, docmap.Url, output, CancellationToken.None);

        Assert.Equal(QuickstartFlow.ApiFailure, exit);
        Assert.Contains("400 VALIDATION_ERROR", output.ToString(), StringComparison.Ordinal);
        Assert.Empty((await docmap.CreateClient().ListWebhooksAsync()).Data);
    }

    [Fact]
    public async Task A_relative_url_is_refused_before_any_request()
    {
        await using var docmap = DocMapEmulator.Start();
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync(["create", "/webhooks"], docmap.ApiKey, docmap.Url, output, CancellationToken.None);

        Assert.Equal(QuickstartFlow.UsageError, exit);
        Assert.Empty(docmap.Requests);
    }

    [Fact]
    public async Task A_refused_call_prints_the_error_code_and_exits_1_without_the_key()
    {
        await using var docmap = DocMapEmulator.Start();
        const string wrongKey = "dm_live_2222222222222222222222222222222222222222222222222222222222222222";
        using var output = new StringWriter();

        var exit = await QuickstartFlow.RunAsync([], wrongKey, docmap.Url, output, CancellationToken.None);
        var text = output.ToString();

        Assert.Equal(QuickstartFlow.ApiFailure, exit);
        Assert.Contains("401 UNAUTHORIZED", text, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_program_runs_as_a_process_without_an_api_key_and_exits_0()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DocMap.Samples.Quickstart.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment.Remove("DOCMAP_API_KEY");
        start.Environment.Remove("DOCMAP_BASE_URL");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains("Done: both deliveries", await stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\b(?:docs/[a-z0-9-]+\.md|README(?:\.md)?|CONTRIBUTING\.md)\b")]
    private static partial Regex DocPointer();

    [Fact]
    public async Task Every_doc_the_walkthrough_points_at_exists_and_it_points_at_no_section_of_the_README()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var result = await QuickstartFlow.RunOnEmulatorAsync(output, timeout.Token);

        Assert.Equal(QuickstartFlow.Success, result.ExitCode);
        var text = output.ToString();
        var pointers = DocPointer().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("docs/emulator.md", pointers);
        Assert.Contains("docs/cli.md", pointers);

        // The README is a front page: the topics live in docs/ (a pointer at a README section that moved went stale once).
        Assert.DoesNotContain(pointers, p => p.StartsWith("README", StringComparison.Ordinal));
        var root = RepositoryRoot();
        Assert.All(pointers, p => Assert.True(File.Exists(Path.Combine(root, p)), $"the walkthrough points at {p}, which does not exist"));
    }

    /// <summary>The repository's root: the folder above this test's build output that holds DocMap.Client.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DocMap.Client.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No DocMap.Client.sln above {AppContext.BaseDirectory}.");
    }
}

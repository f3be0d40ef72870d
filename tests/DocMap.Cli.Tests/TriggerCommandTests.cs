using System.Text.Json;
using DocMap.Cli.Infrastructure;

namespace DocMap.Cli.Tests;

/// <summary>
/// <c>docmap trigger</c> against a loopback fake of the emulator's control API (per the contract: what is sent, shapes
/// the real emulator rarely produces), and its refusal against anything that is not an emulator (DocMap's real API
/// answers 404 or 401). The end-to-end runs against the real emulator are in <see cref="TriggerEndToEndTests"/>.
/// </summary>
public sealed class TriggerCommandTests
{
    private static CliRunner For(FakeControlApi fake) =>
        new CliRunner().With("DOCMAP_API_KEY", FakeControlApi.Key).With("DOCMAP_BASE_URL", fake.Url.AbsoluteUri);

    [Fact]
    public async Task Against_an_emulator_it_detects_it_triggers_and_prints_the_deliveries()
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.Deliveries = request => new System.Text.Json.Nodes.JsonArray
        {
            FakeControlApi.Delivery("dlv_ok", "wh_ok", "ext_1", "extraction.completed", "success", 200, null),
            FakeControlApi.Delivery("dlv_bad", "wh_bad", "ext_1", "extraction.completed", "failed", null, "Connection refused"),
        };

        var run = await For(fake).RunAsync("trigger", "extraction.completed");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["GET /_emulator", "POST /_emulator/trigger"], fake.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.All(fake.Requests, r => Assert.True(r.Authorized));
        var sent = Assert.Single(fake.Triggers);
        Assert.Equal("""{"event":"extraction.completed"}""", sent.ToJsonString()); // optional members are left out, not null
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ID\s+WEBHOOK\s+EVENT\s+STATUS\s+HTTP\s+DURATION\s+EXTRACTION\s+URL\s+ERROR$", lines[0]);
        Assert.Matches(@"^dlv_ok\s+wh_ok\s+extraction\.completed\s+success\s+200\s+12 ms\s+ext_1\s+http://127\.0\.0\.1:9/hook\s+-$", lines[1]);
        Assert.Matches(@"^dlv_bad\s+wh_bad\s+extraction\.completed\s+failed\s+-\s+12 ms\s+ext_1\s+\S+\s+Connection refused$", lines[2]);
        Assert.Contains("2 deliveries: 1 succeeded, 1 failed.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeControlApi.Key, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_become_the_trigger_request_and_json_has_the_documented_shape()
    {
        await using var fake = await FakeControlApi.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), $"docmap-cli-data-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(data, """{"id":"ext_42","status":"completed","extractedData":{"total":12.5}}""");
        try
        {
            var run = await For(fake).RunAsync("trigger", "extraction.failed", "--extraction-id", "ext_42", "--data", data, "--webhook", "wh_7", "--json");

            Assert.Equal(0, run.ExitCode);
            var sent = Assert.Single(fake.Triggers);
            Assert.Equal("extraction.failed", sent["event"]!.GetValue<string>());
            Assert.Equal("ext_42", sent["extractionId"]!.GetValue<string>());
            Assert.Equal("wh_7", sent["webhookId"]!.GetValue<string>());
            Assert.Equal(12.5, sent["data"]!["extractedData"]!["total"]!.GetValue<double>());

            var json = run.Json();
            JsonSchema.AssertExactly(json, "emulator", "deliveries");
            JsonSchema.AssertExactly(json.GetProperty("emulator"), "name", "version", "url");
            Assert.Equal("docmap-emulator", json.GetProperty("emulator").GetProperty("name").GetString());
            var delivery = Assert.Single(json.GetProperty("deliveries").EnumerateArray());
            JsonSchema.AssertTriggeredDelivery(delivery);
            Assert.Equal("ext_42", delivery.GetProperty("extractionId").GetString());
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public async Task Data_from_standard_input_works_with_a_dash()
    {
        await using var fake = await FakeControlApi.StartAsync();
        var runner = For(fake);
        runner.Stdin = """{"id":"ext_stdin"}"""u8.ToArray();

        var run = await runner.RunAsync("trigger", "extraction.completed", "--data", "-");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("ext_stdin", Assert.Single(fake.Triggers)["data"]!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("[1,2]", "must hold a JSON object")]
    public async Task Bad_data_is_a_usage_error_before_anything_is_sent(string content, string expected)
    {
        await using var fake = await FakeControlApi.StartAsync();
        var runner = For(fake);
        runner.Stdin = System.Text.Encoding.UTF8.GetBytes(content);

        var run = await runner.RunAsync("trigger", "extraction.completed", "--data", "-");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_data_file_that_does_not_exist_is_a_usage_error()
    {
        await using var fake = await FakeControlApi.StartAsync();

        var run = await For(fake).RunAsync("trigger", "extraction.completed", "--data", "/no/such/file.json");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--data /no/such/file.json: no such file.", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Theory]
    [InlineData(FakeControlApi.Behaviour.RealApiNotFound, "GET /_emulator answered HTTP 404 NOT_FOUND")]
    [InlineData(FakeControlApi.Behaviour.RealApiUnauthorized, "GET /_emulator answered HTTP 401 UNAUTHORIZED")]
    [InlineData(FakeControlApi.Behaviour.OtherShape, "not with the emulator's description")]
    [InlineData(FakeControlApi.Behaviour.Html, "not with the emulator's description")]
    [InlineData(FakeControlApi.Behaviour.Redirect, "GET /_emulator answered HTTP 302")]
    public async Task Against_anything_but_an_emulator_it_refuses_with_exit_1_and_triggers_nothing(FakeControlApi.Behaviour behaviour, string reason)
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.Mode = behaviour;

        var run = await For(fake).RunAsync("trigger", "extraction.completed");
        var json = await For(fake).RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("is not a DocMap emulator", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("DocMap's API offers no call that triggers an event", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("docmap emulator", run.Stderr, StringComparison.Ordinal);
        Assert.All(fake.Requests, r => Assert.Equal("GET /_emulator", $"{r.Method} {r.Path}")); // never POSTs, never follows the redirect
        Assert.Empty(fake.Triggers);
        Assert.Equal(ExitCodes.Failure, json.ExitCode);
        JsonSchema.AssertError(json.Json(), "notEmulator");
    }

    [Fact]
    public async Task A_wrong_key_says_that_an_emulator_only_accepts_its_own()
    {
        await using var fake = await FakeControlApi.StartAsync();
        const string other = "dm_test_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

        var run = await For(fake).RunAsync("trigger", "extraction.completed", "--api-key", other);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("each emulator accepts only its own", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(other, run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_emulator_refusing_the_trigger_exits_1_with_its_code()
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.TriggerError = (400, "VALIDATION_ERROR", "Unknown event 'extraction.archived'.");

        var run = await For(fake).RunAsync("trigger", "extraction.archived", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var error = run.Json().GetProperty("error");
        Assert.Equal("api", error.GetProperty("kind").GetString());
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal("/_emulator/trigger", error.GetProperty("path").GetString());
        Assert.Contains("Unknown event", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_subscribed_webhook_is_a_warning_not_a_failure()
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.Deliveries = _ => [];

        var run = await For(fake).RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, run.Json().GetProperty("deliveries").GetArrayLength());
        Assert.Contains("nothing was delivered", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_exits_1_as_a_network_failure()
    {
        var run = await new CliRunner().With("DOCMAP_API_KEY", FakeControlApi.Key).RunAsync("trigger", "extraction.completed", "--base-url", WebhooksCommandTests.ClosedLoopbackPort(), "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        JsonSchema.AssertError(run.Json(), "network");
    }

    [Fact]
    public async Task A_server_that_never_answers_the_detection_times_out_with_exit_1()
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.Mode = FakeControlApi.Behaviour.Stall;
        var runner = For(fake);
        runner.DetectTimeout = TimeSpan.FromSeconds(1); // this run's host only: tests running in parallel keep the default

        var run = await runner.RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        JsonSchema.AssertError(run.Json(), "timeout");
        Assert.Contains("GET /_emulator did not answer within 1 second", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(fake.Triggers);
    }

    [Theory]
    [InlineData(FakeControlApi.Stall.Headers)] // was HttpClient.Timeout's TaskCanceledException: exit 1 kind "internal"
    [InlineData(FakeControlApi.Stall.Body)] // was not covered by any timeout: it waited for the server (here 60 s) and ended as kind "api"
    public async Task An_emulator_that_stalls_its_trigger_answer_times_out_with_exit_1(FakeControlApi.Stall stall)
    {
        await using var fake = await FakeControlApi.StartAsync();
        fake.TriggerStall = stall;
        var runner = For(fake);
        runner.TriggerTimeout = TimeSpan.FromSeconds(2);

        var run = await runner.RunAsync("trigger", "extraction.completed", "--json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        JsonSchema.AssertError(run.Json(), "timeout");
        Assert.Contains("POST /_emulator/trigger did not finish within 2 seconds", run.Stderr, StringComparison.Ordinal);
        Assert.Single(fake.Triggers);
    }
}

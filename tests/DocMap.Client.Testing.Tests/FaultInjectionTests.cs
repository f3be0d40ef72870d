using System.Net;

namespace DocMap.Client.Testing.Tests;

public sealed class FaultInjectionTests
{
    [Fact]
    public async Task FailNext_makes_the_next_N_calls_answer_503_INTERNAL_ERROR_then_recovers()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 2, HttpStatusCode.ServiceUnavailable);

        var first = await api.ListWebhooksAsync();
        var second = await api.ListWebhooksAsync();
        var third = await api.ListWebhooksAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Status);
        Assert.Equal("INTERNAL_ERROR", first.ErrorCode);
        Assert.Null(first.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.Status);
        Assert.Equal(HttpStatusCode.OK, third.Status);
        Assert.Equal(3, emulator.GetRequestCount(DocMapEndpoint.ListWebhooks));
        Assert.Equal([503, 503, 200], emulator.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task FailNext_429_sends_USAGE_LIMIT_EXCEEDED_with_Retry_After_in_whole_seconds()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        emulator.FailNext(DocMapEndpoint.ListDeliveries, 1, HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(1500));

        var limited = await api.ListDeliveriesAsync();
        var ok = await api.ListDeliveriesAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("USAGE_LIMIT_EXCEEDED", limited.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(2), limited.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
    }

    [Fact]
    public async Task A_fault_on_create_creates_nothing_and_only_affects_its_endpoint()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        emulator.FailNext(DocMapEndpoint.CreateWebhook, 1, HttpStatusCode.ServiceUnavailable);

        var failed = await api.CreateAsync("https://example.com/a", "extraction.completed");
        var list = await api.ListWebhooksAsync();
        var created = await api.CreateAsync("https://example.com/a", "extraction.completed");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(0, list.Data.GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(2, emulator.GetRequestCount(DocMapEndpoint.CreateWebhook));
    }

    [Fact]
    public async Task Faults_queue_in_order_and_can_carry_a_custom_error_code()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator);
        emulator.FailNext(DocMapEndpoint.DeleteWebhook, 1, HttpStatusCode.Forbidden);
        emulator.FailNext(DocMapEndpoint.DeleteWebhook, 1, HttpStatusCode.Unauthorized, errorCode: "KEY_EXPIRED");
        emulator.FailNext(DocMapEndpoint.DeleteWebhook, 1, HttpStatusCode.BadGateway);

        var codes = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 3; i++)
        {
            var response = await api.DeleteAsync("wh_1");
            codes.Add((response.Status, response.ErrorCode));
        }

        Assert.Equal(
            [(HttpStatusCode.Forbidden, "FORBIDDEN"), (HttpStatusCode.Unauthorized, "KEY_EXPIRED"), (HttpStatusCode.BadGateway, "EXTRACTION_FAILED")],
            codes);
        var after = await api.DeleteAsync("wh_1");
        Assert.Equal("NOT_FOUND", after.ErrorCode);
    }

    [Fact]
    public async Task A_fault_answers_before_authentication()
    {
        await using var emulator = DocMapEmulator.Start();
        using var api = new EmulatorApi(emulator, "wrong");
        emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.ServiceUnavailable);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.ListWebhooksAsync()).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ListWebhooksAsync()).Status);
    }

    [Fact]
    public async Task FailNext_validates_its_arguments()
    {
        await using var emulator = DocMapEmulator.Start();

        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => emulator.FailNext(DocMapEndpoint.ListWebhooks, 0, HttpStatusCode.ServiceUnavailable)).ParamName);
        Assert.Equal("statusCode", Assert.Throws<ArgumentOutOfRangeException>(() => emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.OK)).ParamName);
        Assert.Equal("statusCode", Assert.Throws<ArgumentOutOfRangeException>(() => emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, (HttpStatusCode)600)).ParamName);
        Assert.Equal("endpoint", Assert.Throws<ArgumentOutOfRangeException>(() => emulator.FailNext((DocMapEndpoint)42, 1, HttpStatusCode.ServiceUnavailable)).ParamName);
        Assert.Equal("retryAfter", Assert.Throws<ArgumentOutOfRangeException>(() => emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(-1))).ParamName);
        Assert.Equal("errorCode", Assert.Throws<ArgumentException>(() => emulator.FailNext(DocMapEndpoint.ListWebhooks, 1, HttpStatusCode.TooManyRequests, errorCode: " ")).ParamName);
    }
}

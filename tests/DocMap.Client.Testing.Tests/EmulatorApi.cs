using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DocMap.Client.Testing.Tests;

/// <summary>Talks to the emulator through a plain HttpClient, the way any HTTP client would.</summary>
internal sealed class EmulatorApi : IDisposable
{
    private readonly HttpClient _http;

    public EmulatorApi(DocMapEmulator emulator, string? apiKey = null)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = emulator.Url, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey ?? emulator.ApiKey);
    }

    public HttpClient Http => _http;

    public Task<ApiResponse> CreateAsync(string url, params string[] events) =>
        SendAsync(HttpMethod.Post, "v1/webhooks", CreateBody(url, events));

    public static string CreateBody(string url, params string[] events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("url", url);
            writer.WriteStartArray("events");
            foreach (var e in events)
            {
                writer.WriteStringValue(e);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public Task<ApiResponse> ListWebhooksAsync() => SendAsync(HttpMethod.Get, "v1/webhooks");

    public Task<ApiResponse> ListDeliveriesAsync(string query = "") => SendAsync(HttpMethod.Get, "v1/webhooks/deliveries" + query);

    public Task<ApiResponse> DeleteAsync(string id) => SendAsync(HttpMethod.Delete, "v1/webhooks/" + Uri.EscapeDataString(id));

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? jsonBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(response.StatusCode, text, response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Creates a webhook and returns (id, secret), asserting success.</summary>
    public async Task<(string Id, string Secret)> CreateOkAsync(string url, params string[] events)
    {
        var response = await CreateAsync(url, events);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var data = response.Data;
        return (data.GetProperty("webhook").GetProperty("id").GetString()!, data.GetProperty("secret").GetString()!);
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record ApiResponse(HttpStatusCode Status, string Body, TimeSpan? RetryAfter, string? MediaType)
{
    public JsonElement Root => JsonDocument.Parse(Body).RootElement;

    public JsonElement Data => Root.GetProperty("data");

    public string ErrorCode => Root.GetProperty("error").GetProperty("code").GetString()!;

    public string ErrorMessage => Root.GetProperty("error").GetProperty("message").GetString()!;
}

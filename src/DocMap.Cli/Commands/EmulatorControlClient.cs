using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DocMap.Cli.Infrastructure;
using DocMap.Client;

namespace DocMap.Cli.Commands;

/// <summary>
/// The DocMap emulator's control API (docs: notes/emulator-control-api.md, under <c>/_emulator/</c>), as far as the
/// tool uses it: <c>GET /_emulator</c> to tell an emulator from DocMap, and <c>POST /_emulator/trigger</c>.
/// Redirects are not followed (the key stays with the host it was meant for) and answers are read up to a size limit.
/// </summary>
internal sealed class EmulatorControlClient : IDisposable
{
    public const string EmulatorName = "docmap-emulator";
    private const int MaxResponseBytes = 8 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;

    private readonly TimeSpan _detectTimeout;
    private readonly TimeSpan _triggerTimeout;

    public EmulatorControlClient(Uri baseAddress, string apiKey, TimeSpan detectTimeout, TimeSpan triggerTimeout)
    {
        _detectTimeout = detectTimeout;
        _triggerTimeout = triggerTimeout;
        _baseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseCookies = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each call's own deadline covers its answer's body too (HttpClient.Timeout stops at the headers)
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>
    /// Sends <paramref name="message"/> and reads its whole body (at most the response cap) within one deadline: a server
    /// that stalls before its headers or in the middle of its body ends as a <see cref="TimeoutException"/>.
    /// </summary>
    private async Task<(HttpResponseMessage Response, byte[] Body)> ExchangeAsync(HttpRequestMessage message, TimeSpan deadline, string whatTimedOut, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            try
            {
                return (response, await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false));
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{whatTimedOut} within {DocMap.Internal.DurationText.Describe(deadline)}.");
        }
    }

    /// <summary>What <c>GET /_emulator</c> said: the emulator's description, or why this is not an emulator.</summary>
    public sealed record Detection(EmulatorInfo? Emulator, HttpStatusCode? Status, string? ErrorCode, string Reason);

    /// <summary>Asks <c>GET /_emulator</c>. Network failures and timeouts propagate (exit 1 as usual).</summary>
    /// <exception cref="TimeoutException">No answer within the detection timeout.</exception>
    public async Task<Detection> DetectAsync(CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, "_emulator"));
        var (response, body) = await ExchangeAsync(message, _detectTimeout, "GET /_emulator did not answer", cancellationToken).ConfigureAwait(false);
        using var _ = response;
        if (!response.IsSuccessStatusCode)
        {
            var error = TryParse(body, ControlJsonContext.Default.ErrorEnvelope)?.Error;
            return new Detection(null, response.StatusCode, error?.Code, $"GET /_emulator answered HTTP {(int)response.StatusCode}{(error?.Code is { } code ? " " + code : string.Empty)}");
        }

        var info = TryParse(body, ControlJsonContext.Default.InfoEnvelope)?.Data;
        if (info is null || !string.Equals(info.Name, EmulatorName, StringComparison.Ordinal))
        {
            return new Detection(null, response.StatusCode, null, $"GET /_emulator answered HTTP {(int)response.StatusCode}, but not with the emulator's description");
        }

        return new Detection(info, response.StatusCode, null, "emulator");
    }

    /// <summary><c>POST /_emulator/trigger</c>: answers once every delivery attempt has finished.</summary>
    /// <exception cref="DocMapApiException">The emulator refused (400 for a bad event or data, 404 for an unknown webhook, …).</exception>
    /// <exception cref="TimeoutException">The whole exchange, answer included, did not finish within the trigger timeout.</exception>
    public async Task<IReadOnlyList<TriggeredDelivery>> TriggerAsync(TriggerRequest request, CancellationToken cancellationToken)
    {
        const string path = "/_emulator/trigger";
        var json = JsonSerializer.Serialize(request, ControlJsonContext.Default.TriggerRequest);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, "_emulator/trigger")) { Content = content };
        var (response, body) = await ExchangeAsync(message, _triggerTimeout, "POST /_emulator/trigger did not finish", cancellationToken).ConfigureAwait(false);
        using var _ = response;
        if (!response.IsSuccessStatusCode)
        {
            var error = TryParse(body, ControlJsonContext.Default.ErrorEnvelope)?.Error;
            throw new DocMapApiException(response.StatusCode, error?.Code, error?.Message, "POST", path);
        }

        var result = TryParse(body, ControlJsonContext.Default.TriggerEnvelope)?.Data;
        if (result?.Deliveries is not { } deliveries || deliveries.Any(d => d is null || d.Id is null || d.Status is null))
        {
            throw new DocMapApiException(response.StatusCode, null, "The emulator's answer was not the documented JSON.", "POST", path);
        }

        return deliveries;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw new HttpRequestException($"The answer is larger than {MaxResponseBytes / (1024 * 1024)} MiB; that is not the emulator.");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxResponseBytes)
                {
                    throw new HttpRequestException($"The answer is larger than {MaxResponseBytes / (1024 * 1024)} MiB; that is not the emulator.");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static T? TryParse<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal sealed record EmulatorInfo(string? Name, string? Version, string? Url, string? UserId);

internal sealed record InfoEnvelope(EmulatorInfo? Data);

internal sealed record ErrorBody(string? Code, string? Message);

internal sealed record ErrorEnvelope(ErrorBody? Error);

internal sealed record TriggerRequest(
    string Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExtractionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WebhookId);

internal sealed record TriggeredDelivery(
    string? Id,
    string? WebhookId,
    string? ExtractionId,
    string? Event,
    string? Url,
    string? Status,
    int? HttpStatus,
    string? Error,
    long DurationMs,
    DateTimeOffset? CreatedAt);

internal sealed record TriggerResult(IReadOnlyList<TriggeredDelivery>? Deliveries);

internal sealed record TriggerEnvelope(TriggerResult? Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(InfoEnvelope))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(TriggerRequest))]
[JsonSerializable(typeof(TriggerEnvelope))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;

using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DocMap.Client.Internal;

/// <summary>Turns non-2xx responses and unreadable bodies into <see cref="DocMapApiException"/>.</summary>
internal static class DocMapErrorMapper
{
    /// <summary>Error bodies larger than this are not parsed (DocMap's are tiny; a huge body is not DocMap's).</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>The <c>error</c> of a <c>{"error":{"code","message"}}</c> body, or <see langword="null"/> when the body is empty or not that JSON.</summary>
    public static ErrorBody? ReadError(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, DocMapJsonContext.Default.ErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static async ValueTask<Exception?> FromResponseAsync(HttpResponseMessage response, string apiKey)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var (method, path) = Describe(response.RequestMessage);
        var retryAfter = DocMapResilience.GetRetryAfter(response, DateTimeOffset.UtcNow);
        byte[] body;
        long size;
        try
        {
            (body, size) = await ReadCappedAsync(response.Content).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            (body, size) = ([], 0);
        }

        var error = ReadError(body);

        if (error is not null && (error.Code is not null || error.Message is not null))
        {
            var serverMessage = Scrub(error.Message, apiKey);
            return new DocMapApiException(response.StatusCode, Scrub(error.Code, apiKey), serverMessage, method, path, retryAfter);
        }

        var contentType = response.Content.Headers.ContentType?.MediaType ?? "none";
        var detail = size == 0
            ? "the response had no body"
            : string.Create(CultureInfo.InvariantCulture, $"the response body is not DocMap's JSON error (Content-Type {contentType}, {size} bytes); a proxy or gateway may have answered instead of DocMap");
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"DocMap API {method} {path} failed with {(int)response.StatusCode} ({response.StatusCode}): {detail}.");
        return new DocMapApiException(message, response.StatusCode, null, null, method, path, retryAfter, null);
    }

    public static ValueTask<Exception?> FromDeserializationFailure(HttpResponseMessage response, Exception exception)
    {
        var (method, path) = Describe(response.RequestMessage);
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"DocMap API {method} {path} answered {(int)response.StatusCode} ({response.StatusCode}) but its body is not the documented JSON: {exception.Message}");
        return ValueTask.FromResult<Exception?>(
            new DocMapApiException(message, response.StatusCode, null, null, method, path, null, exception));
    }

    internal static (string Method, string Path) Describe(HttpRequestMessage? request) =>
        (request?.Method.Method ?? "?", request?.RequestUri is { } uri ? (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0]) : "?");

    private static string? Scrub(string? text, string apiKey) =>
        text is null || apiKey.Length == 0 ? text : text.Replace(apiKey, "****", StringComparison.Ordinal);

    /// <summary>Reads at most <see cref="MaxErrorBodyBytes"/>; a larger body comes back empty with its size.</summary>
    private static async Task<(byte[] Body, long Size)> ReadCappedAsync(HttpContent content)
    {
        if (content.Headers.ContentLength is > MaxErrorBodyBytes and var declared)
        {
            return ([], declared);
        }

        var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxErrorBodyBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total)).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total > MaxErrorBodyBytes ? ([], total) : (buffer[..total], total);
        }
    }
}

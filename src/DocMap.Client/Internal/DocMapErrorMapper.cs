using System.Net;
using System.Text.Json;

namespace DocMap.Client.Internal;

/// <summary>
/// Turns every non-2xx answer into a <see cref="DocMapApiException"/> (Refit's exception factory; it is called for
/// every response, and hands 2xx answers to <see cref="DocMapResponseShape"/>). Server-derived text (error code and
/// message, content type, redirect target) is masked of the API key before it reaches the exception.
/// </summary>
internal sealed class DocMapErrorMapper
{
    private readonly ApiKeyRedactor _redactor;

    public DocMapErrorMapper(ApiKeyRedactor redactor)
    {
        _redactor = redactor;
    }

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

    public async ValueTask<Exception?> FromResponseAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return DocMapResponseShape.EmptySuccessBody(response);
        }

        var call = DocMapCall.Of(response.RequestMessage);
        var status = response.StatusCode;
        var retry = DocMapMessages.RetryAfter(response, DateTimeOffset.UtcNow);
        var retryAfter = retry?.Wait;

        if ((int)status is >= 300 and <= 399)
        {
            // A redirect is never followed, so its Retry-After (a delay before following) says nothing about retrying.
            var message = DocMapMessages.Redirect(call, status, _redactor.Redact(DocMapRedirects.LocationOrigin(response)));
            return new DocMapApiException(message, status, null, null, call.Method, call.Path, retryAfter, null);
        }

        if (response.Content is OversizedErrorBody oversized)
        {
            return new DocMapApiException(WithRetry(DocMapMessages.ErrorBodyTooLarge(call, status, oversized.Limit)), status, null, null, call.Method, call.Path, retryAfter, null);
        }

        if (response.Content is UndecodableErrorBody)
        {
            return new DocMapApiException(WithRetry(DocMapMessages.ErrorBodyNotDecompressed(call, status)), status, null, null, call.Method, call.Path, retryAfter, null);
        }

        byte[] body;
        try
        {
            // Already buffered within the error-body limit by DocMapBufferingHandler.
            body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            body = [];
        }

        var error = ReadError(body);
        if (error is not null && (error.Code is not null || error.Message is not null))
        {
            var errorCode = _redactor.Redact(error.Code);
            var serverMessage = _redactor.Redact(error.Message);
            return new DocMapApiException(WithRetry(DocMapMessages.Failed(call, status, errorCode, serverMessage)), status, errorCode, serverMessage, call.Method, call.Path, retryAfter, null);
        }

        var contentType = _redactor.Redact(response.Content.Headers.ContentType?.MediaType);
        return new DocMapApiException(
            WithRetry(DocMapMessages.FailedWithoutDocMapError(call, status, contentType, body.Length)),
            status, null, null, call.Method, call.Path, retryAfter, null);

        string WithRetry(string message) => DocMapMessages.WithRetryAfter(message, retry?.Wait, retry?.At);
    }

    public ValueTask<Exception?> FromDeserializationFailure(HttpResponseMessage response, Exception exception) =>
        ValueTask.FromResult<Exception?>(DocMapResponseShape.UnreadableJson(response, exception, _redactor));
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Testing;

/// <summary>An answer the emulator writes: a status and a JSON body (DocMap's envelopes), optionally with Retry-After.</summary>
internal readonly record struct Reply(int Status, byte[] Body, TimeSpan? RetryAfter = null)
{
    /// <summary>The code of a 413 answer (not one of DocMap's documented codes: DocMap documents no body limit).</summary>
    public const string PayloadTooLargeCode = "PAYLOAD_TOO_LARGE";

    public static Reply Ok<T>(T value, JsonTypeInfo<T> typeInfo) => new(200, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    public static Reply Data<T>(T value, JsonTypeInfo<DataEnvelopeDto<T>> typeInfo) =>
        new(200, JsonSerializer.SerializeToUtf8Bytes(new DataEnvelopeDto<T> { Data = value }, typeInfo));

    public static Reply Validation(string message) => Error(400, DocMapErrorCodes.ValidationError, message);

    public static Reply NotFound(string message) => Error(404, DocMapErrorCodes.NotFound, message);

    public static Reply Unauthorized() => Error(401, DocMapErrorCodes.Unauthorized, "Missing or invalid API key.");

    public static Reply Error(int status, string code, string message, TimeSpan? retryAfter = null) => new(
        status,
        JsonSerializer.SerializeToUtf8Bytes(
            new ErrorEnvelopeDto { Error = new ErrorDto { Code = code, Message = message } },
            EmulatorJson.Context.ErrorEnvelopeDto),
        retryAfter);

    public Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Body.Length;
        if (RetryAfter is { } delay)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        return response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }
}

using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>A verified delivery: the event, the verification result and the pooled body buffer (returned on dispose).</summary>
internal sealed class DocMapWebhookFeature : IDisposable
{
    private byte[]? _buffer;
    private MemoryStream? _replayStream;

    public DocMapWebhookFeature(byte[] buffer, int length, WebhookEvent webhookEvent, WebhookVerificationResult verification)
    {
        _buffer = buffer;
        Length = length;
        Event = webhookEvent;
        Verification = verification;
    }

    public WebhookEvent Event { get; }

    public WebhookVerificationResult Verification { get; }

    public int Length { get; }

    /// <summary>Replaces the request body with a read-only stream over the buffered bytes, for model binding.</summary>
    public void RewindRequestBody(HttpRequest request)
    {
        _replayStream = new MemoryStream(_buffer!, 0, Length, writable: false);
        request.Body = _replayStream;
    }

    public void Dispose()
    {
        // Dispose the replay stream first so nothing can read the buffer after it returns to the pool.
        _replayStream?.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}

/// <summary>Holds the verified event for the request scope, so minimal-API handlers can take a WebhookEvent parameter.</summary>
internal sealed class DocMapWebhookEventHolder
{
    public WebhookEvent? Event { get; set; }
}

/// <summary>
/// Reads the raw body once within the limit into a pooled buffer, verifies it before anything parses it, parses the
/// event, and writes the 401 / 413 / 400 answers.
/// </summary>
internal static class DocMapWebhookProcessor
{
    private const int InitialBufferSize = 4096;
    private const int MaxInitialBufferSize = 64 * 1024;
    private const long ChunkFramingAllowance = 64 * 1024;

    private static readonly byte[] UnauthorizedBody =
        """{"error":{"code":"INVALID_SIGNATURE","message":"The webhook signature did not verify."}}"""u8.ToArray();

    private static readonly byte[] TooLargeBody =
        """{"error":{"code":"PAYLOAD_TOO_LARGE","message":"The webhook body is larger than this endpoint accepts."}}"""u8.ToArray();

    private static readonly byte[] InvalidPayloadBody =
        """{"error":{"code":"INVALID_PAYLOAD","message":"The webhook body is not a JSON object."}}"""u8.ToArray();

    private static readonly byte[] UnreadableBody =
        """{"error":{"code":"INVALID_REQUEST","message":"The webhook body could not be read."}}"""u8.ToArray();

    private static readonly byte[] HandlerFailedBody =
        """{"error":{"code":"INTERNAL_ERROR","message":"The webhook handler failed."}}"""u8.ToArray();

    /// <summary>
    /// Returns the verified delivery, registered as a request feature (and disposed with the request), or
    /// <see langword="null"/> when the request was answered (401, 413, 400) or aborted.
    /// </summary>
    public static async ValueTask<DocMapWebhookFeature?> ReadAndVerifyAsync(HttpContext context, DocMapWebhookRuntime runtime, bool rewindBody)
    {
        var existing = context.Features.Get<DocMapWebhookFeature>();
        if (existing is not null)
        {
            return existing;
        }

        var settings = runtime.Current;
        var logger = runtime.Logger;
        var request = context.Request;
        var contentLength = request.ContentLength;
        if (contentLength > settings.MaxBodyBytes)
        {
            DocMapWebhookLog.BodyTooLarge(logger, context.Connection.RemoteIpAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeBody).ConfigureAwait(false);
            return null;
        }

        // A missing or malformed signature header is known before any byte of the body: answer 401 at once, so a
        // sender without a valid header cannot hold the connection while it trickles up to MaxBodyBytes.
        // CheckSignatureHeader classifies the header exactly as the full verification does, without hashing; a
        // well-formed header then verifies against the real body below.
        var signatureHeader = GetSignatureHeader(request.Headers, settings.HeaderName);
        var headerCheck = WebhookSignatureVerifier.CheckSignatureHeader(signatureHeader);
        if (headerCheck is WebhookSignatureFailureReason.MissingSignature or WebhookSignatureFailureReason.MalformedSignature)
        {
            DocMapWebhookLog.SignatureRejected(logger, context.Connection.RemoteIpAddress, headerCheck, contentLength, 0, settings.KeyFingerprints);
            await WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedBody).ConfigureAwait(false);
            return null;
        }

        // The endpoint's limit is MaxBodyBytes, counted below; the server's own limit is set to follow it, never
        // lifted: a lower server limit (Kestrel: 30 MB by default) must not reject a body within ours, and none at
        // all would let the server keep reading (and draining) far past it. With a Content-Length the server checks
        // the declared length, so it gets exactly our limit. A chunked body's count in Kestrel includes the chunk
        // framing (sizes, CRLFs), so it gets room for framing (twice the limit plus 64 KiB: chunks of 16 bytes or
        // more fit) while the decoded bytes are still held to MaxBodyBytes by ReadBodyAsync.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = contentLength is null ? (settings.MaxBodyBytes * 2) + ChunkFramingAllowance : settings.MaxBodyBytes;
        }

        byte[]? buffer;
        int length;
        try
        {
            (buffer, length) = await ReadBodyAsync(request.BodyReader, contentLength, (int)settings.MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit (for example Kestrel's MaxRequestBodySize) is lower than ours.
            DocMapWebhookLog.BodyTooLarge(logger, context.Connection.RemoteIpAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeBody).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            DocMapWebhookLog.ClientDisconnected(logger, context.Connection.RemoteIpAddress);
            return null;
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException)
        {
            // A truncated or malformed body; the exception message describes the framing, never the content.
            DocMapWebhookLog.BodyUnreadable(logger, context.Connection.RemoteIpAddress, ex.GetType().Name, contentLength);
            await WriteAsync(context, StatusCodes.Status400BadRequest, UnreadableBody).ConfigureAwait(false);
            return null;
        }

        if (buffer is null)
        {
            DocMapWebhookLog.BodyTooLarge(logger, context.Connection.RemoteIpAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeBody).ConfigureAwait(false);
            return null;
        }

        var returnBuffer = true;
        try
        {
            var body = new ReadOnlySpan<byte>(buffer, 0, length);
            var verification = settings.Verifier.Verify(body, signatureHeader);
            if (!verification.IsValid)
            {
                DocMapWebhookLog.SignatureRejected(logger, context.Connection.RemoteIpAddress, verification.FailureReason, contentLength, length, settings.KeyFingerprints);
                await WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedBody).ConfigureAwait(false);
                return null;
            }

            WebhookEvent webhookEvent;
            try
            {
                webhookEvent = WebhookEvent.Parse(body);
            }
            catch (Exception ex)
            {
                // WebhookPayloadException (a FormatException) says what is wrong without quoting the body; its inner
                // JsonException may quote body characters, so it is never logged. Parse throws nothing else, but any
                // other exception is still the body's fault, not the server's: 400, logged by type name only.
                var problem = ex is WebhookPayloadException ? ex.Message : $"the body could not be parsed ({ex.GetType().Name})";
                DocMapWebhookLog.PayloadInvalid(logger, context.Connection.RemoteIpAddress, problem, contentLength, length, verification.MatchedSecret!.Fingerprint);
                await WriteAsync(context, StatusCodes.Status400BadRequest, InvalidPayloadBody).ConfigureAwait(false);
                return null;
            }

            DocMapWebhookLog.Verified(logger, webhookEvent.Type.ToString(), webhookEvent.ExtractionId, length, verification.MatchedSecret!.Fingerprint);
            var feature = new DocMapWebhookFeature(buffer, length, webhookEvent, verification);
            returnBuffer = false;
            context.Features.Set(feature);
            context.Response.RegisterForDispose(feature);
            if (rewindBody)
            {
                feature.RewindRequestBody(request);
            }

            return feature;
        }
        finally
        {
            if (returnBuffer)
            {
                ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            }
        }
    }

    /// <summary>Verifies (unless already done), exposes the event to minimal-API parameters, then runs the endpoint.</summary>
    public static async Task VerifyThenInvokeAsync(HttpContext context, RequestDelegate next, DocMapWebhookRuntime runtime, bool ownsEndpoint)
    {
        var feature = await ReadAndVerifyAsync(context, runtime, rewindBody: true).ConfigureAwait(false);
        if (feature is null)
        {
            return;
        }

        context.RequestServices.GetRequiredService<DocMapWebhookEventHolder>().Event = feature.Event;
        if (!ownsEndpoint)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await HandlerFailedAsync(context, runtime, feature.Event, ex).ConfigureAwait(false);
        }
    }

    public static async Task HandlerFailedAsync(HttpContext context, DocMapWebhookRuntime runtime, WebhookEvent webhookEvent, Exception exception)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            DocMapWebhookLog.ClientDisconnected(runtime.Logger, context.Connection.RemoteIpAddress);
            return;
        }

        DocMapWebhookLog.HandlerFailed(runtime.Logger, exception, webhookEvent.Type.ToString(), webhookEvent.ExtractionId);
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await WriteAsync(context, StatusCodes.Status500InternalServerError, HandlerFailedBody).ConfigureAwait(false);
        }
    }

    private static string? GetSignatureHeader(IHeaderDictionary headers, string headerName)
    {
        var values = headers[headerName];
        return values.Count switch
        {
            0 => null,
            1 => values[0],

            // Several header lines: the verifier accepts a comma-separated list, any match passes.
            _ => values.ToString(),
        };
    }

    /// <summary>
    /// Reads the whole body into a buffer rented from the shared pool. Returns a null buffer when the body exceeds
    /// <paramref name="maxBodyBytes"/> (the rented buffer is then already returned).
    /// </summary>
    private static async ValueTask<(byte[]? Buffer, int Length)> ReadBodyAsync(PipeReader reader, long? contentLength, int maxBodyBytes, CancellationToken cancellationToken)
    {
        // Memory follows the bytes that actually arrive: a declared Content-Length sizes the first buffer only up to
        // MaxInitialBufferSize, so a sender cannot make the server hold large buffers by announcing a large body and
        // then stalling.
        var expected = contentLength is { } declared ? (int)Math.Min(declared, maxBodyBytes) : maxBodyBytes;
        var initial = Math.Max(1, Math.Min(contentLength is null ? InitialBufferSize : MaxInitialBufferSize, expected));
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var data = result.Buffer;
                if (data.Length > maxBodyBytes - length)
                {
                    reader.AdvanceTo(data.End);
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    return (null, 0);
                }

                var needed = length + (int)data.Length;
                if (needed > buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Max(needed, Math.Min((long)buffer.Length * 2, expected)));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    buffer = grown;
                }

                data.CopyTo(buffer.AsSpan(length));
                length = needed;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    return (buffer, length);
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("Reading the webhook body was canceled.");
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            throw;
        }
    }

    private static Task WriteAsync(HttpContext context, int statusCode, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body.AsMemory()).AsTask();
    }
}

using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Reads the raw body once, within the limit and the read deadline, verifies it before anything parses it, parses the
/// event, and answers 401 / 413 / 408 / 400 itself. Every endpoint kind (the mapped endpoints, RequireDocMapSignature
/// and the middleware) goes through <see cref="ReadAndVerifyAsync"/>.
/// </summary>
internal static class DocMapWebhookProcessor
{
    /// <summary>
    /// The most bytes of chunked transfer framing per body byte: a 1-byte chunk is <c>1\r\nX\r\n</c>, six bytes on the
    /// wire. Larger chunks cost less; chunk extensions or zero-padded sizes can cost more and then count against the
    /// allowance.
    /// </summary>
    private const long ChunkedWireBytesPerBodyByte = 6;

    /// <summary>Room for the last chunk, trailers and chunk extensions beyond <see cref="ChunkedWireBytesPerBodyByte"/>.</summary>
    private const long ChunkFramingAllowance = 64 * 1024;

    /// <summary>
    /// Returns the verified delivery, registered as a request feature (and disposed with the request), or
    /// <see langword="null"/> when the request was answered (401, 413, 408, 400) or aborted.
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
        var delivery = DocMapWebhookDeliveryTelemetry.Start(runtime.Instruments);
        try
        {
            var request = context.Request;
            var remoteAddress = context.Connection.RemoteIpAddress;
            var contentLength = request.ContentLength;
            if (contentLength > settings.MaxBodyBytes)
            {
                DocMapWebhookLog.BodyTooLarge(logger, remoteAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
                delivery?.End(DocMapWebhookOutcomes.TooLarge);
                await DocMapWebhookResponses.TooLargeAsync(context).ConfigureAwait(false);
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
                DocMapWebhookLog.SignatureRejected(logger, remoteAddress, headerCheck, contentLength, 0, settings.KeyFingerprints);
                delivery?.Rejected(headerCheck, bodyLength: -1);
                await DocMapWebhookResponses.UnauthorizedAsync(context).ConfigureAwait(false);
                return null;
            }

            // The endpoint's limit is MaxBodyBytes of decoded body, counted by the body reader; the server's own limit
            // follows it, never lifted to nothing: a lower server limit (Kestrel: 30 MB by default) must not refuse a body
            // within ours, and no limit at all would let the server drain without bound after a 413. With a
            // Content-Length the server checks the declared length, so it gets exactly our limit. A chunked body's count
            // in Kestrel includes the chunk framing, so it gets the framing of the smallest chunks (six wire bytes per body
            // byte) plus an allowance: no body within MaxBodyBytes is refused for the way it is chunked, while the read
            // deadline bounds how long any framing can take.
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (sizeFeature is { IsReadOnly: false })
            {
                sizeFeature.MaxRequestBodySize = contentLength is null
                    ? (settings.MaxBodyBytes * ChunkedWireBytesPerBodyByte) + ChunkFramingAllowance
                    : settings.MaxBodyBytes;
            }

            BodyReadResult read;
            try
            {
                read = await DocMapWebhookBodyReader.ReadAsync(
                    request.BodyReader, contentLength, (int)settings.MaxBodyBytes, settings.BodyReadTimeout, runtime.TimeProvider, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // The server's own limit (for example Kestrel's MaxRequestBodySize) is lower than ours.
                DocMapWebhookLog.BodyTooLarge(logger, remoteAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
                delivery?.End(DocMapWebhookOutcomes.TooLarge);
                await DocMapWebhookResponses.TooLargeAsync(context).ConfigureAwait(false);
                return null;
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
            {
                // The server's own minimum data rate (Kestrel: 240 bytes/s after 5 s) tripped before BodyReadTimeout did:
                // the same answer as our deadline, 408 and closed.
                DocMapWebhookLog.BodyUnreadable(logger, remoteAddress, "the body arrived below the server's minimum data rate (408)", contentLength);
                delivery?.End(DocMapWebhookOutcomes.TimedOut);
                await DocMapWebhookResponses.TimeoutAndCloseAsync(context, runtime.TimeProvider, bodyReadable: false).ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                DocMapWebhookLog.ClientDisconnected(logger, remoteAddress);
                delivery?.End(DocMapWebhookOutcomes.Aborted);
                return null;
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException)
            {
                // A truncated or malformed body; the exception message describes the framing, never the content.
                DocMapWebhookLog.BodyUnreadable(logger, remoteAddress, ex.GetType().Name, contentLength);
                delivery?.End(DocMapWebhookOutcomes.Invalid, DocMapWebhookRejectionReasons.UnreadableBody);
                await DocMapWebhookResponses.UnreadableAsync(context).ConfigureAwait(false);
                return null;
            }

            switch (read.Outcome)
            {
                case BodyReadOutcome.TooLarge:
                    DocMapWebhookLog.BodyTooLarge(logger, remoteAddress, settings.MaxBodyBytes, contentLength, settings.KeyFingerprints);
                    delivery?.End(DocMapWebhookOutcomes.TooLarge);
                    await DocMapWebhookResponses.TooLargeAsync(context).ConfigureAwait(false);
                    return null;
                case BodyReadOutcome.TimedOut:
                    DocMapWebhookLog.BodyReadTimedOut(logger, remoteAddress, settings.BodyReadTimeout, read.BytesRead, contentLength, settings.KeyFingerprints);
                    delivery?.End(DocMapWebhookOutcomes.TimedOut);
                    await DocMapWebhookResponses.TimeoutAndCloseAsync(context, runtime.TimeProvider, bodyReadable: true).ConfigureAwait(false);
                    return null;
            }

            var buffer = read.Buffer!;
            var length = read.Length;
            var returnBuffer = true;
            try
            {
                var body = new ReadOnlySpan<byte>(buffer, 0, length);
                var verification = settings.Verifier.Verify(body, signatureHeader);
                if (!verification.IsValid)
                {
                    DocMapWebhookLog.SignatureRejected(logger, remoteAddress, verification.FailureReason, contentLength, length, settings.KeyFingerprints);
                    delivery?.Rejected(verification.FailureReason, length);
                    await DocMapWebhookResponses.UnauthorizedAsync(context).ConfigureAwait(false);
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
                    DocMapWebhookLog.PayloadInvalid(logger, remoteAddress, problem, contentLength, length, verification.MatchedSecret!.Fingerprint);
                    delivery?.End(DocMapWebhookOutcomes.Invalid, DocMapWebhookRejectionReasons.InvalidPayload, length);
                    await DocMapWebhookResponses.InvalidPayloadAsync(context).ConfigureAwait(false);
                    return null;
                }

                DocMapWebhookLog.Verified(logger, webhookEvent, length, verification.MatchedSecret!.Fingerprint);
                delivery?.Verified(webhookEvent, length);
                var feature = new DocMapWebhookFeature(buffer, length, webhookEvent, verification) { Delivery = delivery };
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
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                }
            }
        }
        catch (Exception ex) when (delivery is not null && delivery.Failed(ex))
        {
            // Never runs: the filter ends the delivery (its span and count) and lets the exception go on, uncaught.
            throw;
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
        feature.StartHandler();
        if (!ownsEndpoint)
        {
            // The endpoint's own exceptions are not caught, only seen for the delivery's outcome.
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                feature.EndHandler(context, ex);
                throw;
            }

            feature.EndHandler(context, null);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await HandlerFailedAsync(context, runtime, feature.Event, ex).ConfigureAwait(false);
            return;
        }

        feature.EndHandler(context, null);
    }

    /// <summary>Verifies (unless already done), then records the delivery in the inbox and answers 200 or 503; the handler runs later.</summary>
    public static async Task VerifyThenAcceptAsync(HttpContext context, DocMapWebhookRuntime runtime, InboxAcceptor inbox, string route)
    {
        var feature = await ReadAndVerifyAsync(context, runtime, rewindBody: false).ConfigureAwait(false);
        if (feature is not null)
        {
            await inbox.AcceptAsync(context, feature, route).ConfigureAwait(false);
        }
    }

    /// <summary>A handler of an owned endpoint threw: 500 (logged), or nothing when the sender had gone away.</summary>
    public static async Task HandlerFailedAsync(HttpContext context, DocMapWebhookRuntime runtime, WebhookEvent webhookEvent, Exception exception)
    {
        context.Features.Get<DocMapWebhookFeature>()?.EndHandler(context, exception);
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            DocMapWebhookLog.ClientDisconnected(runtime.Logger, context.Connection.RemoteIpAddress);
            return;
        }

        DocMapWebhookLog.HandlerFailed(runtime.Logger, exception, webhookEvent);
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await DocMapWebhookResponses.HandlerFailedAsync(context).ConfigureAwait(false);
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
}

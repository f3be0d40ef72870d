using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// The endpoint's own answers: one fixed JSON error body per status, so a failure tells the sender the class of the
/// problem and nothing about secrets, signatures or the body.
/// </summary>
internal static class DocMapWebhookResponses
{
    private static readonly byte[] UnauthorizedBody =
        """{"error":{"code":"INVALID_SIGNATURE","message":"The webhook signature did not verify."}}"""u8.ToArray();

    private static readonly byte[] TooLargeBody =
        """{"error":{"code":"PAYLOAD_TOO_LARGE","message":"The webhook body is larger than this endpoint accepts."}}"""u8.ToArray();

    private static readonly byte[] InvalidPayloadBody =
        """{"error":{"code":"INVALID_PAYLOAD","message":"The webhook body is not a JSON object."}}"""u8.ToArray();

    private static readonly byte[] UnreadableBody =
        """{"error":{"code":"INVALID_REQUEST","message":"The webhook body could not be read."}}"""u8.ToArray();

    private static readonly byte[] TimeoutBody =
        """{"error":{"code":"REQUEST_TIMEOUT","message":"The webhook body did not arrive in time."}}"""u8.ToArray();

    private static readonly byte[] InboxAcceptedBody = """{"status":"accepted"}"""u8.ToArray();

    private static readonly byte[] InboxDuplicateBody = """{"status":"duplicate"}"""u8.ToArray();

    private static readonly byte[] InboxUnavailableBody =
        """{"error":{"code":"INBOX_UNAVAILABLE","message":"The webhook could not be recorded; it was not accepted."}}"""u8.ToArray();

    private static readonly byte[] HandlerFailedBody =
        """{"error":{"code":"INTERNAL_ERROR","message":"The webhook handler failed."}}"""u8.ToArray();

    /// <summary>401, one body for every signature failure.</summary>
    public static Task UnauthorizedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedBody);

    /// <summary>413: the body is over the limit.</summary>
    public static Task TooLargeAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLargeBody);

    /// <summary>400: the body verified but is not a JSON object.</summary>
    public static Task InvalidPayloadAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status400BadRequest, InvalidPayloadBody);

    /// <summary>400: the body's framing is broken or it was cut short.</summary>
    public static Task UnreadableAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status400BadRequest, UnreadableBody);

    /// <summary>200: the inbox recorded the delivery.</summary>
    public static Task InboxAcceptedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, InboxAcceptedBody);

    /// <summary>200: the inbox already holds this delivery (within its retention); nothing was queued.</summary>
    public static Task InboxDuplicateAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, InboxDuplicateBody);

    /// <summary>503: the inbox's store failed or did not answer in time; nothing is known to be recorded.</summary>
    public static Task InboxUnavailableAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status503ServiceUnavailable, InboxUnavailableBody);

    /// <summary>500: the handler threw.</summary>
    public static Task HandlerFailedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status500InternalServerError, HandlerFailedBody);

    /// <summary>
    /// How long the connection stays open after the 408 went out, unless the sender closes it first: long enough for
    /// the answer to leave this machine before the close (a close with unread request bytes resets the connection,
    /// and a reset can destroy an answer still on its way), far shorter than the server's own draining.
    /// </summary>
    public static readonly TimeSpan CloseLinger = TimeSpan.FromSeconds(1);

    /// <summary>
    /// 408, then the connection is closed: the sender is stalled or still sending, and a server that kept the connection
    /// would first read (drain) the rest of the body, holding it for seconds more. Over HTTP/1.x the answer says
    /// <c>Connection: close</c> and is flushed; the connection is aborted when the sender closes it or after
    /// <see cref="CloseLinger"/>, whichever comes first. Over HTTP/2 and HTTP/3 only the request's stream is reset.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="timeProvider">The clock of <see cref="CloseLinger"/>.</param>
    /// <param name="bodyReadable">
    /// Whether the request body can still be read. The server does not report a sender's close while nobody reads the
    /// body (<see cref="HttpContext.RequestAborted"/> stays quiet), so during the linger the rest of the body is read and
    /// discarded: its end, or the error a closed connection gives, ends the linger at once, and no unread bytes are
    /// left to turn the close into a reset. <see langword="false"/> when the server itself failed the body (its minimum
    /// data rate): every read would fail at once, so the linger just waits.
    /// </param>
    public static async Task TimeoutAndCloseAsync(HttpContext context, TimeProvider timeProvider, bool bodyReadable)
    {
        try
        {
            if (HttpProtocol.IsHttp10(context.Request.Protocol) || HttpProtocol.IsHttp11(context.Request.Protocol))
            {
                context.Response.Headers[HeaderNames.Connection] = "close";
            }

            await WriteAsync(context, StatusCodes.Status408RequestTimeout, TimeoutBody).ConfigureAwait(false);
            await context.Response.CompleteAsync().ConfigureAwait(false);
            if (bodyReadable)
            {
                using var linger = new CancellationTokenSource(CloseLinger, timeProvider);
                await DiscardBodyAsync(context.Request.BodyReader, linger.Token).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(CloseLinger, timeProvider, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The sender closed the connection (it read the answer, or went away), the linger ran out, or the answer
            // cannot be written: closing is all that is left. (BadHttpRequestException is an IOException.)
        }
        finally
        {
            context.Abort();
        }
    }

    /// <summary>Reads and drops what the sender still sends until the body ends or fails, or <paramref name="cancellationToken"/> fires.</summary>
    private static async Task DiscardBodyAsync(System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
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

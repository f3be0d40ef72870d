using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// A verified delivery: the event, the verification result, the pooled body buffer (returned on dispose) and the
/// delivery's telemetry, which the stage that runs the handler ends. In a background run of the inbox the body comes
/// from the store and there is no verification result (the signature was checked when the delivery was accepted) and
/// no delivery telemetry (the attempt has its own span).
/// </summary>
internal sealed class DocMapWebhookFeature : IDisposable
{
    private byte[]? _buffer;
    private MemoryStream? _replayStream;

    /// <summary>The delivery's span and measurements; <see langword="null"/> when nobody listened as it arrived.</summary>
    public DocMapWebhookDeliveryTelemetry? Delivery { get; init; }

    public DocMapWebhookFeature(byte[] buffer, int length, WebhookEvent webhookEvent, WebhookVerificationResult verification)
    {
        _buffer = buffer;
        Length = length;
        Event = webhookEvent;
        Verification = verification;
    }

    /// <summary>A delivery the inbox runs in the background: verified when it was accepted, its body owned by the caller.</summary>
    public DocMapWebhookFeature(WebhookEvent webhookEvent)
    {
        Event = webhookEvent;
    }

    public WebhookEvent Event { get; }

    /// <summary>Which secret matched; <see langword="null"/> in a background run of the inbox.</summary>
    public WebhookVerificationResult? Verification { get; }

    public int Length { get; }

    /// <summary>The verified body bytes (empty in a background run, whose body is the request's stream).</summary>
    public ReadOnlySpan<byte> Body => _buffer is null ? default : new ReadOnlySpan<byte>(_buffer, 0, Length);

    /// <summary>Replaces the request body with a read-only stream over the buffered bytes, for model binding.</summary>
    public void RewindRequestBody(HttpRequest request)
    {
        _replayStream = new MemoryStream(_buffer!, 0, Length, writable: false);
        request.Body = _replayStream;
    }

    /// <summary>The handler starts (the first call counts): it runs inside the delivery's span and is timed.</summary>
    public void StartHandler() => Delivery?.StartHandler();

    /// <summary>
    /// The handler ended, by returning or with <paramref name="exception"/>: verified, handler_failed (an exception, or
    /// a 5xx the handler answered) or aborted (the sender went away). The first stage to call it records the outcome.
    /// </summary>
    public void EndHandler(HttpContext context, Exception? exception)
    {
        var delivery = Delivery;
        if (delivery is not { IsRecording: true })
        {
            return;
        }

        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            delivery.EndHandler(DocMapWebhookOutcomes.Aborted, null);
        }
        else if (exception is not null)
        {
            delivery.EndHandler(DocMapWebhookOutcomes.HandlerFailed, exception.GetType().FullName);
        }
        else if (context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            delivery.EndHandler(DocMapWebhookOutcomes.HandlerFailed, context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            delivery.EndHandler(DocMapWebhookOutcomes.Verified, null);
        }
    }

    public void Dispose()
    {
        // A delivery whose handler stage never reported (nothing ran one) still ends its span.
        Delivery?.EndHandler(DocMapWebhookOutcomes.Verified, null);

        // Dispose the replay stream first so nothing can read the buffer after it returns to the pool.
        _replayStream?.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}

using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// A verified delivery: the event, the verification result and the pooled body buffer (returned on dispose). In a
/// background run of the inbox the body comes from the store and there is no verification result (the signature was
/// checked when the delivery was accepted).
/// </summary>
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

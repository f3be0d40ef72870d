using System.Buffers;
using System.IO.Pipelines;

namespace DocMap.Client.Signatures.AspNetCore.Internal;

/// <summary>
/// Reads a whole request body into a buffer rented from the shared pool, counting decoded body bytes only (never
/// transfer framing) against the limit, and within a deadline of its own. On every outcome but
/// <see cref="BodyReadOutcome.Complete"/>, and on any exception, the buffer is already back in the pool (cleared).
/// </summary>
internal static class DocMapWebhookBodyReader
{
    private const int InitialBufferSize = 4096;
    private const int MaxInitialBufferSize = 64 * 1024;

    /// <summary>Reads the body.</summary>
    /// <param name="reader">The request body.</param>
    /// <param name="contentLength">The declared length, if any (sizes the first buffer only, never trusted).</param>
    /// <param name="maxBodyBytes">The most decoded bytes accepted.</param>
    /// <param name="timeout">The deadline for the whole body, from this call.</param>
    /// <param name="timeProvider">The deadline's clock.</param>
    /// <param name="requestAborted">Canceled when the sender goes away.</param>
    public static async ValueTask<BodyReadResult> ReadAsync(
        PipeReader reader, long? contentLength, int maxBodyBytes, TimeSpan timeout, TimeProvider timeProvider, CancellationToken requestAborted)
    {
        // Memory follows the bytes that actually arrive: a declared Content-Length sizes the first buffer only up to
        // MaxInitialBufferSize, so a sender cannot make the server hold large buffers by announcing a large body and
        // then stalling.
        var expected = contentLength is { } declared ? (int)Math.Min(declared, maxBodyBytes) : maxBodyBytes;
        var initial = Math.Max(1, Math.Min(contentLength is null ? InitialBufferSize : MaxInitialBufferSize, expected));
        var started = timeProvider.GetTimestamp();
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        BodyReadDeadline? deadline = null;
        try
        {
            while (true)
            {
                // The deadline's timer starts only when a read has to wait: a body that is already there (most
                // deliveries arrive with their headers) costs no timer.
                var pending = reader.ReadAsync(requestAborted);
                if (!pending.IsCompleted)
                {
                    deadline ??= BodyReadDeadline.Start(reader, timeout - timeProvider.GetElapsedTime(started), timeProvider);
                }

                var result = await pending.ConfigureAwait(false);
                var data = result.Buffer;
                if (result.IsCanceled && deadline is { Expired: true })
                {
                    reader.AdvanceTo(data.Start, data.End);
                    Return(buffer);
                    return new(BodyReadOutcome.TimedOut, null, 0, length + data.Length);
                }

                if (data.Length > maxBodyBytes - length)
                {
                    reader.AdvanceTo(data.End);
                    Return(buffer);
                    return new(BodyReadOutcome.TooLarge, null, 0, length + data.Length);
                }

                var needed = length + (int)data.Length;
                if (needed > buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Max(needed, Math.Min((long)buffer.Length * 2, expected)));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    Return(buffer);
                    buffer = grown;
                }

                data.CopyTo(buffer.AsSpan(length));
                length = needed;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    return new(BodyReadOutcome.Complete, buffer, length, length);
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("Reading the webhook body was canceled.");
                }

                if (deadline is null && timeProvider.GetElapsedTime(started) >= timeout)
                {
                    // Every read so far completed at once, yet the deadline has passed (a body fed in tiny pieces
                    // that each arrived in time): the deadline is for the whole body.
                    Return(buffer);
                    return new(BodyReadOutcome.TimedOut, null, 0, length);
                }
            }
        }
        catch
        {
            Return(buffer);
            throw;
        }
        finally
        {
            deadline?.Dispose();
        }
    }

    private static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer, clearArray: true);

    /// <summary>
    /// The timer of one body read: when it fires it marks the read expired and cancels the pending read (the reader's
    /// <see cref="PipeReader.CancelPendingRead"/>), which every server's body reader supports.
    /// </summary>
    private sealed class BodyReadDeadline : IDisposable
    {
        private readonly PipeReader _reader;
        private ITimer? _timer;
        private volatile bool _expired;

        private BodyReadDeadline(PipeReader reader) => _reader = reader;

        public bool Expired => _expired;

        public static BodyReadDeadline Start(PipeReader reader, TimeSpan remaining, TimeProvider timeProvider)
        {
            var deadline = new BodyReadDeadline(reader);
            deadline._timer = timeProvider.CreateTimer(
                static state => ((BodyReadDeadline)state!).Expire(),
                deadline,
                remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
                Timeout.InfiniteTimeSpan);
            return deadline;
        }

        public void Dispose() => _timer?.Dispose();

        private void Expire()
        {
            _expired = true;
            _reader.CancelPendingRead();
        }
    }
}

using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DocMap.Client.Testing;

/// <summary>
/// Reads request bodies within the emulator's limit (<see cref="MaxBytes"/>; Kestrel enforces the same limit on the
/// connection). Bodies are read only for authenticated requests: a sender without the key costs no buffer.
/// </summary>
internal static class RequestBody
{
    /// <summary>The largest request body the emulator reads: 4 MiB (a create call is about 100 bytes; a trigger's record rarely more than a few KiB).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Reads the whole body. Returns an empty array when there is none; the failure reply is set (413, or the
    /// status Kestrel chose for a malformed or too slow body) when it could not be read.
    /// </summary>
    public static async Task<(byte[] Body, Reply? Failure)> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return ([], null);
        }

        if (request.ContentLength > MaxBytes)
        {
            return ([], TooLarge());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var used = 0;
        try
        {
            while (true)
            {
                if (used == buffer.Length)
                {
                    if (buffer.Length >= MaxBytes)
                    {
                        // Full at the limit: one more byte means too large.
                        var probe = new byte[1];
                        if (await request.Body.ReadAsync(probe, context.RequestAborted).ConfigureAwait(false) > 0)
                        {
                            return ([], TooLarge());
                        }

                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxBytes, buffer.Length * 2));
                    buffer.AsSpan(0, used).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(used, Math.Min(buffer.Length, MaxBytes) - used), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                used += read;
                if (used > MaxBytes)
                {
                    return ([], TooLarge());
                }
            }

            return (buffer.AsSpan(0, used).ToArray(), null);
        }
        catch (BadHttpRequestException ex)
        {
            return ([], ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge()
                : Reply.Error(ex.StatusCode, DocMapErrorCodes.ValidationError, "The request body could not be read."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Reply TooLarge() =>
        Reply.Error(413, Reply.PayloadTooLargeCode, "The request body is larger than the emulator limit of 4 MiB.");
}

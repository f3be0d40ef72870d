using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

/// <summary>
/// The inbox's message ids (dedupe keys), derived only from signed content, never from a request header. Every id is
/// a 3-character kind prefix and the lowercase hex SHA-256 of an unambiguous encoding, so it is 67 printable ASCII
/// characters, whatever the body holds:
/// <list type="bullet">
/// <item><description><c>ev:</c> + SHA-256 of (event type, extraction id), when the body names both: each as a 4-byte
/// big-endian UTF-8 length and the UTF-8 bytes, so no two pairs encode alike (<c>("a:b","c")</c> and <c>("a","b:c")</c>
/// differ). The same event reaching the endpoint twice (a re-send, two webhooks pointing at one app) has one id, and so
/// has DocMap's delivery-log record of it (<see cref="ForEvent"/> from its <c>event</c> and <c>extractionId</c>).</description></item>
/// <item><description><c>bd:</c> + SHA-256 of the body bytes, when the body lacks either.</description></item>
/// <item><description><c>md:</c> + SHA-256 of the delivery id (same length-prefixed encoding), for a missed delivery found
/// in DocMap's delivery log: one per delivery, whichever instance finds it.</description></item>
/// </list>
/// </summary>
internal static class InboxMessageIds
{
    public const string EventPrefix = "ev:";
    public const string BodyPrefix = "bd:";
    public const string MissedDeliveryPrefix = "md:";

    /// <summary>The length of every id: a 3-character prefix and 64 hex characters.</summary>
    public const int Length = 3 + (SHA256.HashSizeInBytes * 2);

    /// <summary>The id of a verified delivery.</summary>
    public static string ForDelivery(WebhookEvent webhookEvent, ReadOnlySpan<byte> body) =>
        ForEvent(webhookEvent.Type.Value, webhookEvent.ExtractionId) ?? ForBody(body);

    /// <summary>The id of an event named by its type and extraction id, or <see langword="null"/> when either is missing or empty.</summary>
    public static string? ForEvent(string? eventType, string? extractionId)
    {
        if (string.IsNullOrEmpty(eventType) || string.IsNullOrEmpty(extractionId))
        {
            return null;
        }

        return HashFields(EventPrefix, eventType, extractionId);
    }

    /// <summary>The id of a body that does not name its event type and extraction id.</summary>
    public static string ForBody(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Format(BodyPrefix, hash);
    }

    /// <summary>The id of the missed-delivery message of one delivery-log record.</summary>
    public static string ForMissedDelivery(string deliveryId)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryId);
        return HashFields(MissedDeliveryPrefix, deliveryId, null);
    }

    private static string HashFields(string prefix, string first, string? second)
    {
        var length = 4 + Encoding.UTF8.GetByteCount(first) + (second is null ? 0 : 4 + Encoding.UTF8.GetByteCount(second));
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            var written = Field(buffer, first);
            if (second is not null)
            {
                written += Field(buffer[written..], second);
            }

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..written], hash);
            return Format(prefix, hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Field(Span<byte> destination, string value)
    {
        var count = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32BigEndian(destination, count);
        return 4 + count;
    }

    private static string Format(string prefix, ReadOnlySpan<byte> hash)
    {
        Span<char> text = stackalloc char[Length];
        prefix.AsSpan().CopyTo(text);
        Convert.TryToHexStringLower(hash, text[prefix.Length..], out _);
        return new string(text);
    }
}

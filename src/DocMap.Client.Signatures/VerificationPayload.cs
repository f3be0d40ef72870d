using System;
using System.Buffers;
#if NET
using System.Text.Unicode;
#endif

namespace DocMap.Client.Signatures;

/// <summary>
/// The body one verification hashes, in any of the shapes <see cref="WebhookSignatureVerifier.Verify(ReadOnlySpan{byte}, string?)"/>
/// and its overloads accept: contiguous bytes, a multi-segment sequence, or (on .NET 10) text whose UTF-8 encoding is
/// hashed through the set's fixed scratch buffer. Nothing is copied or allocated to feed it.
/// </summary>
internal readonly ref struct VerificationPayload
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly ReadOnlySequence<byte> _sequence;
#if NET
    private readonly ReadOnlySpan<char> _text;
#endif
    private readonly Shape _shape;

    public VerificationPayload(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        _sequence = default;
#if NET
        _text = default;
#endif
        _shape = Shape.Bytes;
    }

    public VerificationPayload(in ReadOnlySequence<byte> sequence)
    {
        _bytes = default;
        _sequence = sequence;
#if NET
        _text = default;
#endif
        _shape = Shape.Sequence;
    }

#if NET
    public VerificationPayload(ReadOnlySpan<char> text)
    {
        _bytes = default;
        _sequence = default;
        _text = text;
        _shape = Shape.Text;
    }
#endif

    private enum Shape
    {
        Bytes,
        Sequence,
        Text,
    }

    /// <summary>Feeds the whole body to the running HMAC of secret <paramref name="index"/> in <paramref name="set"/>.</summary>
    public void AppendTo(KeyedHmacSet set, int index)
    {
        switch (_shape)
        {
            case Shape.Sequence:
                foreach (var segment in _sequence)
                {
                    set.Append(index, segment.Span);
                }

                break;
#if NET
            case Shape.Text:
                AppendUtf8(set, index, _text);
                break;
#endif
            default:
                set.Append(index, _bytes);
                break;
        }
    }

#if NET
    /// <summary>Feeds the UTF-8 encoding of <paramref name="text"/> (invalid UTF-16 as U+FFFD) through the set's scratch buffer.</summary>
    private static void AppendUtf8(KeyedHmacSet set, int index, ReadOnlySpan<char> text)
    {
        var scratch = set.Scratch;
        while (true)
        {
            var status = Utf8.FromUtf16(text, scratch, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            set.Append(index, scratch.AsSpan(0, written));
            text = text.Slice(read);
            if (status != OperationStatus.DestinationTooSmall || (read == 0 && written == 0))
            {
                return;
            }
        }
    }
#endif
}

using System.Buffers;
using System.Text;
using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

internal static class TestData
{
    /// <summary>The secret every known-answer vector is keyed with.</summary>
    public const string SecretText = "8b0c6b1f3a5e4d2c9f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d";

    public const string OtherSecretText = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public const string ThirdSecretText = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    public const string DeliveryBody =
        "{\"event\":\"extraction.completed\",\"extractionId\":\"ext_123\",\"createdAt\":\"2025-01-20T14:30:04.000Z\",\"data\":{\"id\":\"ext_123\",\"status\":\"completed\"}}";

    public static WebhookSecret Secret => WebhookSecret.Parse(SecretText);

    public static WebhookSecret OtherSecret => WebhookSecret.Parse(OtherSecretText);

    public static WebhookSecret ThirdSecret => WebhookSecret.Parse(ThirdSecretText);

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>1 MiB of bytes i % 251 (the known-answer vector's body).</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    public static byte[] Repeat(byte value, int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }

    /// <summary>A multi-segment sequence over <paramref name="data"/>, cut at the given offsets (empty segments allowed).</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] data, params int[] cuts)
    {
        var bounds = new List<int> { 0 };
        bounds.AddRange(cuts);
        bounds.Add(data.Length);
        Segment? first = null, last = null;
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var memory = data.AsMemory(bounds[i], bounds[i + 1] - bounds[i]).ToArray();
            if (first is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last!.Append(memory);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Generates a random valid secret in lower case.</summary>
    public static string RandomSecretText(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return Convert.ToHexString(bytes).ToLowerInvariant();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

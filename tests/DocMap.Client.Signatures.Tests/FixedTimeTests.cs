using DocMap.Client.Signatures;

namespace DocMap.Client.Signatures.Tests;

public sealed class FixedTimeTests
{
    [Fact]
    public void Equal_spans_of_every_length_compare_equal_and_any_single_difference_is_found()
    {
        var random = new Random(1234);
        for (var length = 0; length <= 70; length++)
        {
            var left = new byte[length];
            random.NextBytes(left);
            var right = (byte[])left.Clone();
            Assert.True(FixedTime.Equals(left, right), $"length {length}");

            for (var position = 0; position < length; position++)
            {
                foreach (var bit in new[] { 0x01, 0x80, 0xFF })
                {
                    right[position] ^= (byte)bit;
                    Assert.False(FixedTime.Equals(left, right), $"length {length}, position {position}, bit {bit}");
                    right[position] ^= (byte)bit;
                }
            }
        }
    }

    [Fact]
    public void Different_lengths_are_not_equal()
    {
        Assert.False(FixedTime.Equals(new byte[32], new byte[31]));
        Assert.False(FixedTime.Equals(Array.Empty<byte>(), new byte[1]));
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DocMap.Client.Signatures.AspNetCore.Internal.Inbox;

namespace DocMap.Client.Signatures.AspNetCore.Tests.Inbox;

/// <summary>The dedupe keys: fixed length, printable, unambiguous, from signed content only.</summary>
public sealed class InboxMessageIdsTests
{
    [Fact]
    public void An_event_id_is_the_prefixed_SHA256_of_the_length_prefixed_type_and_extraction_id()
    {
        var expected = new List<byte>();
        foreach (var field in new[] { "extraction.completed", "ext_1" })
        {
            var bytes = Encoding.UTF8.GetBytes(field);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            expected.AddRange(length);
            expected.AddRange(bytes);
        }

        Assert.Equal("ev:" + Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), InboxMessageIds.ForEvent("extraction.completed", "ext_1"));
    }

    [Theory]
    [InlineData("a:b", "c", "a", "b:c")]
    [InlineData("ab", "c", "a", "bc")]
    [InlineData("extraction.completed", "", "extraction.complete", "d")]
    public void Different_pairs_never_share_an_id_however_their_text_lines_up(string type1, string id1, string type2, string id2)
    {
        var first = InboxMessageIds.ForEvent(type1, id1.Length == 0 ? "x" : id1);
        var second = InboxMessageIds.ForEvent(type2, id2);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void A_missing_or_empty_type_or_extraction_id_gives_no_event_id()
    {
        Assert.Null(InboxMessageIds.ForEvent(null, "ext_1"));
        Assert.Null(InboxMessageIds.ForEvent("extraction.completed", null));
        Assert.Null(InboxMessageIds.ForEvent("", "ext_1"));
        Assert.Null(InboxMessageIds.ForEvent("extraction.completed", ""));
    }

    [Fact]
    public void Every_id_has_the_same_length_and_is_printable_ASCII_whatever_the_input()
    {
        var longId = new string('\u00e9', 10_000) + "\r\n\u0000";
        var ids = new[]
        {
            InboxMessageIds.ForEvent("extraction.completed", longId)!,
            InboxMessageIds.ForEvent("\u202e", "x")!,
            InboxMessageIds.ForBody(new byte[1 << 20]),
            InboxMessageIds.ForBody([]),
            InboxMessageIds.ForMissedDelivery("dlv_" + longId),
        };
        Assert.All(ids, id =>
        {
            Assert.Equal(InboxMessageIds.Length, id.Length);
            Assert.All(id, c => Assert.InRange(c, ' ', '~'));
        });
        Assert.Equal(["ev:", "ev:", "bd:", "bd:", "md:"], ids.Select(i => i[..3]).ToArray());
        Assert.NotEqual(InboxMessageIds.ForMissedDelivery("dlv_1"), InboxMessageIds.ForMissedDelivery("dlv_2"));
    }
}

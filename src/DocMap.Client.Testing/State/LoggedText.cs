using System.Text;

namespace DocMap.Client.Testing;

/// <summary>A body kept in a log as text: at most a configured number of UTF-8 bytes, with a flag when cut.</summary>
internal readonly record struct LoggedText(string Text, bool Truncated)
{
    /// <summary>
    /// The first <paramref name="maxBytes"/> bytes of <paramref name="utf8"/> as text (a UTF-8 sequence cut by the
    /// limit is left out whole), and whether anything was left out (<paramref name="moreFollowed"/> says that bytes
    /// beyond <paramref name="utf8"/> were never read).
    /// </summary>
    public static LoggedText From(ReadOnlySpan<byte> utf8, int maxBytes, bool moreFollowed = false)
    {
        if (utf8.Length <= maxBytes)
        {
            return new LoggedText(Encoding.UTF8.GetString(utf8), moreFollowed);
        }

        var cut = maxBytes;
        // Back off over continuation bytes (10xxxxxx) to the start of the sequence the limit falls into, so the kept
        // prefix never ends in half a character.
        while (cut > 0 && cut < utf8.Length && (utf8[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return new LoggedText(Encoding.UTF8.GetString(utf8[..cut]), true);
    }
}

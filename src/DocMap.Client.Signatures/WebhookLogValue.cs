using System.Globalization;
using System.Text;

namespace DocMap.Client.Signatures;

/// <summary>
/// Makes text that came from a webhook body (an event type, an extraction id, a status: anything the sender chose) safe
/// to hand to a logger. A body's strings may hold characters that end a log line and start a forged one, or that drive
/// the terminal showing the log; <see cref="Escape(string?)"/> writes each of them as a visible escape and leaves every
/// other character as it is, so the structured value stays readable and searchable.
/// </summary>
/// <remarks>
/// Escaped: every C0 control (U+0000 to U+001F, so CR, LF, TAB and the ANSI escape character), DEL (U+007F), every C1
/// control (U+0080 to U+009F, which include NEL and the single-character CSI), the Unicode line and paragraph separators
/// (U+2028, U+2029) and the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
/// U+2069), which can reorder how a line reads; every other Unicode format character (category Cf: zero-width space,
/// joiners, word joiner, byte order mark, soft hyphen, the invisible tag characters U+E0000 to U+E007F, …), which can make
/// two different values look the same or hide text; and unpaired surrogates. CR, LF and TAB become <c>\r</c>, <c>\n</c>
/// and <c>\t</c>; the others <c>\uXXXX</c> (a character outside the BMP as its two UTF-16 units). A backslash is left alone, so an escape cannot be told from the same characters sent literally; that
/// is the price of keeping ordinary values unchanged, and it forges nothing.
/// </remarks>
public static class WebhookLogValue
{
    /// <summary>Escapes the characters that could forge or disguise a log line (see the remarks on <see cref="WebhookLogValue"/>).</summary>
    /// <param name="value">Text from a webhook body, or <see langword="null"/>.</param>
    /// <returns>
    /// <paramref name="value"/> itself when it holds nothing to escape (no allocation), else a copy with those characters
    /// escaped; <see langword="null"/> for <see langword="null"/>.
    /// </returns>
    public static string? Escape(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var first = IndexOfUnsafe(value);
        if (first < 0)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 16);
        escaped.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            var units = UnsafeLength(value, i);
            if (units == 0)
            {
                escaped.Append(c);
                if (char.IsHighSurrogate(c))
                {
                    escaped.Append(value[++i]);
                }

                continue;
            }

            if (units == 2)
            {
                AppendUnit(escaped, c);
                AppendUnit(escaped, value[++i]);
                continue;
            }

            switch (c)
            {
                case '\r':
                    escaped.Append("\\r");
                    break;
                case '\n':
                    escaped.Append("\\n");
                    break;
                case '\t':
                    escaped.Append("\\t");
                    break;
                default:
                    AppendUnit(escaped, c);
                    break;
            }
        }

        return escaped.ToString();
    }

    private static void AppendUnit(StringBuilder escaped, char c) =>
        escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));

    private static int IndexOfUnsafe(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (UnsafeLength(value, i) > 0)
            {
                return i;
            }

            if (char.IsHighSurrogate(value[i]))
            {
                i++; // a valid pair (UnsafeLength returned 0 for it): skip its low half
            }
        }

        return -1;
    }

    /// <summary>
    /// How many UTF-16 units starting at <paramref name="index"/> form one character to escape: 0 when the character there
    /// is safe (for a valid surrogate pair, both units are safe together), 1 for a unit to escape (a control, a format
    /// character, an unpaired surrogate), 2 for a surrogate pair that encodes a format character (the tag characters).
    /// </summary>
    private static int UnsafeLength(string value, int index)
    {
        var c = value[index];
        if (char.IsHighSurrogate(c))
        {
            if (index + 1 >= value.Length || !char.IsLowSurrogate(value[index + 1]))
            {
                return 1;
            }

            return CharUnicodeInfo.GetUnicodeCategory(value, index) == UnicodeCategory.Format ? 2 : 0;
        }

        if (char.IsLowSurrogate(c))
        {
            return 1; // unpaired: a valid pair's low half is skipped by the callers
        }

        return c < '\u0020' ||
            (c >= '\u007F' && c <= '\u009F') ||
            c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F' ||
            (c >= '\u202A' && c <= '\u202E') ||
            (c >= '\u2066' && c <= '\u2069') ||
            CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format
            ? 1
            : 0;
    }
}

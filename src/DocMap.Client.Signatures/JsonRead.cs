using System;
using System.Globalization;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>
/// Tolerant readers over a JSON object: a missing field, one of an unexpected JSON kind, or one whose value cannot be
/// read (for example an escaped lone surrogate such as <c>"\ud800"</c>, valid JSON but not a valid string) reads as null.
/// No reader throws.
/// </summary>
internal static class JsonRead
{
    // The smallest double above long.MaxValue is 2^63 exactly (long.MaxValue itself is not representable and rounds
    // up to 2^63), so "d <= long.MaxValue" would let 2^63 through and the cast would overflow.
    private const double TwoToThe63 = 9.2233720368547758E18;

    public static string? String(JsonElement obj, string name)
    {
        try
        {
            return TryGet(obj, name, JsonValueKind.String, out var v) ? v.GetString() : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The first of the named properties that is a JSON string.</summary>
    public static string? FirstString(JsonElement obj, string name, string alias) =>
        String(obj, name) ?? String(obj, alias);

    /// <summary>The first of the named properties that is a JSON object.</summary>
    public static bool TryFirstObject(JsonElement obj, string name, string alias, out JsonElement value) =>
        TryGet(obj, name, JsonValueKind.Object, out value) || TryGet(obj, alias, JsonValueKind.Object, out value);

    public static long? Int64(JsonElement obj, string name)
    {
        try
        {
            if (!TryGet(obj, name, JsonValueKind.Number, out var v))
            {
                return null;
            }

            if (v.TryGetInt64(out var integer))
            {
                return integer;
            }

            // A fractional or exponent form (1234.5, 1.2e3): round it when it fits.
            if (!v.TryGetDouble(out var d))
            {
                return null;
            }

            var rounded = Math.Round(d, MidpointRounding.AwayFromZero);
            return rounded >= -TwoToThe63 && rounded < TwoToThe63 ? (long)rounded : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException)
        {
            return null;
        }
    }

    public static DateTimeOffset? DateTime(JsonElement obj, string name)
    {
        try
        {
            if (!TryGet(obj, name, JsonValueKind.String, out var v))
            {
                return null;
            }

            // ISO 8601. A value without an offset is taken as UTC (never as the receiving machine's local time).
            if (v.TryGetDateTime(out var unspecified) && unspecified.Kind == DateTimeKind.Unspecified)
            {
                return new DateTimeOffset(unspecified, TimeSpan.Zero);
            }

            if (v.TryGetDateTimeOffset(out var iso))
            {
                return iso;
            }

            return String(obj, name) is { } text && DateTimeOffset.TryParse(
                text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed)
                ? parsed
                : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            // TryGetDateTime / TryGetDateTimeOffset throw (rather than return false) on an invalid escape.
            return null;
        }
    }

    private static bool TryGet(JsonElement obj, string name, JsonValueKind kind, out JsonElement value)
    {
        try
        {
            if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out value) && value.ValueKind == kind)
            {
                return true;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            // A property name that cannot be unescaped: treat the field as absent.
        }

        value = default;
        return false;
    }
}

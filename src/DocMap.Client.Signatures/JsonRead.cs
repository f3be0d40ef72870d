using System;
using System.Globalization;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>Tolerant readers over a JSON object: a missing field, or one of an unexpected JSON kind, reads as null.</summary>
internal static class JsonRead
{
    public static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The first of the named properties that is a JSON string.</summary>
    public static string? FirstString(JsonElement obj, string name, string alias) =>
        String(obj, name) ?? String(obj, alias);

    /// <summary>The first of the named properties that is a JSON object.</summary>
    public static bool TryFirstObject(JsonElement obj, string name, string alias, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        return obj.TryGetProperty(alias, out value) && value.ValueKind == JsonValueKind.Object;
    }

    public static long? Int64(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (v.TryGetInt64(out var integer))
        {
            return integer;
        }

        // A fractional or exponent form (1234.5, 1.2e3): round it when it fits.
        return v.TryGetDouble(out var d) && d >= long.MinValue && d <= long.MaxValue
            ? (long)Math.Round(d, MidpointRounding.AwayFromZero)
            : null;
    }

    public static DateTimeOffset? DateTime(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        if (v.TryGetDateTimeOffset(out var iso))
        {
            return iso;
        }

        return DateTimeOffset.TryParse(
            v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed)
            ? parsed
            : null;
    }
}

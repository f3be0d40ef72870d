using System;
using System.Globalization;
using System.Text.Json;

namespace DocMap.Client.Signatures;

/// <summary>Tolerant readers over a JSON object: a missing field, or one of an unexpected JSON kind, reads as null.</summary>
internal static class JsonRead
{
    public static string? String(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but not a valid string: read it as absent.
            return null;
        }
    }

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
}

using System.Globalization;

namespace DocMap.Client.Testing;

/// <summary>Formatting shared by the emulator's wire shapes.</summary>
internal static class EmulatorFormat
{
    /// <summary>ISO 8601 UTC with milliseconds, as DocMap writes it: <c>2025-01-20T14:30:04.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A random id with DocMap's look: a prefix and 20 lower-case hex characters.</summary>
    public static string NewId(string prefix) =>
        prefix + System.Security.Cryptography.RandomNumberGenerator.GetHexString(20, lowercase: true);
}

using System;
using System.Globalization;

namespace DocMap.Internal;

/// <summary>
/// Durations as people read them in messages and log lines: <c>1 second</c>, <c>1.5 seconds</c>, <c>300 milliseconds</c>,
/// <c>10 minutes</c>, <c>1 hour</c>. One source file linked into every package that writes durations, so they all agree
/// (and none writes "1 seconds").
/// </summary>
internal static class DurationText
{
    /// <summary>
    /// Below a second in milliseconds; below ten minutes, or when not a whole number of minutes, in seconds (up to three
    /// decimals); otherwise in whole hours or minutes. The unit is singular when the number as written is 1.
    /// </summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration.Ticks != 0 && Math.Abs(duration.TotalSeconds) < 1)
        {
            return Count(duration.TotalMilliseconds, "millisecond", "milliseconds");
        }

        if (Math.Abs(duration.TotalMinutes) >= 10 && duration.Ticks % TimeSpan.TicksPerMinute == 0)
        {
            return duration.Ticks % TimeSpan.TicksPerHour == 0
                ? Count(duration.TotalHours, "hour", "hours")
                : Count(duration.TotalMinutes, "minute", "minutes");
        }

        return Count(duration.TotalSeconds, "second", "seconds");
    }

    /// <summary><paramref name="value"/> (up to three decimals) and the unit, singular when the number as written is 1.</summary>
    public static string Count(double value, string singular, string plural)
    {
        var number = value.ToString("0.###", CultureInfo.InvariantCulture);
        return number + " " + (number == "1" ? singular : plural);
    }
}

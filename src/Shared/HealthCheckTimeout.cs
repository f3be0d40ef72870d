using System;

namespace DocMap.Internal;

/// <summary>
/// The one rule for a DocMap health check's timeout (the client's <c>AddDocMapApi</c> / <c>AddDocMapDeliveries</c> and
/// the inbox's <c>AddDocMapWebhookInbox</c>): between 1 millisecond and 5 minutes. One source file linked into every
/// package, so the checks of both packages agree.
/// </summary>
internal static class HealthCheckTimeout
{
    /// <summary>The longest timeout a check accepts: 5 minutes.</summary>
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    /// <summary>Whether <paramref name="timeout"/> is between 1 millisecond and 5 minutes.</summary>
    public static bool IsInRange(TimeSpan timeout) => timeout >= TimeSpan.FromMilliseconds(1) && timeout <= Max;

    /// <summary>Throws when <paramref name="timeout"/> is outside 1 millisecond to 5 minutes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is out of range (named <paramref name="parameterName"/>).</exception>
    public static void Check(TimeSpan timeout, string parameterName)
    {
        if (!IsInRange(timeout))
        {
            throw new ArgumentOutOfRangeException(parameterName, timeout, "The health check's timeout must be between 1 millisecond and 5 minutes.");
        }
    }
}

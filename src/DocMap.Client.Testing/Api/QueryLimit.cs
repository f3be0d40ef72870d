using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace DocMap.Client.Testing;

/// <summary>Reads the <c>limit</c> query parameter of the log calls: once, an integer within bounds.</summary>
internal static class QueryLimit
{
    public static bool TryRead(IQueryCollection query, int defaultLimit, int maxLimit, out int limit, out string? error)
    {
        limit = defaultLimit;
        error = null;
        if (!query.TryGetValue("limit", out var values))
        {
            return true;
        }

        if (values.Count != 1 ||
            !int.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit) ||
            limit < 1 || limit > maxLimit)
        {
            error = $"limit must be an integer between 1 and {maxLimit.ToString(CultureInfo.InvariantCulture)}.";
            return false;
        }

        return true;
    }
}

namespace DocMap.Client;

/// <summary>
/// The error codes DocMap documents, as found in <see cref="DocMapApiException.ErrorCode"/>. Codes are stable;
/// messages are not, so branch on these. A code DocMap adds later still arrives, as its raw string.
/// </summary>
public static class DocMapErrorCodes
{
    /// <summary>400: the account already has the maximum number of active webhooks (10).</summary>
    public const string MaxWebhooksReached = "MAX_WEBHOOKS_REACHED";

    /// <summary>400: the request is invalid.</summary>
    public const string ValidationError = "VALIDATION_ERROR";

    /// <summary>401: the API key is missing or invalid.</summary>
    public const string Unauthorized = "UNAUTHORIZED";

    /// <summary>401: the API key has expired.</summary>
    public const string KeyExpired = "KEY_EXPIRED";

    /// <summary>403: the resource belongs to another account.</summary>
    public const string Forbidden = "FORBIDDEN";

    /// <summary>404: the resource does not exist.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>429: the account's usage limit is exceeded.</summary>
    public const string UsageLimitExceeded = "USAGE_LIMIT_EXCEEDED";

    /// <summary>500: an internal error (retryable).</summary>
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>501: the feature is not configured.</summary>
    public const string NotConfigured = "NOT_CONFIGURED";

    /// <summary>502: an extraction failed (retryable).</summary>
    public const string ExtractionFailed = "EXTRACTION_FAILED";

    /// <summary>502: an extraction's result could not be parsed (retryable).</summary>
    public const string ExtractionParseError = "EXTRACTION_PARSE_ERROR";
}

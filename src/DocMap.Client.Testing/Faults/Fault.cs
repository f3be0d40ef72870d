namespace DocMap.Client.Testing;

/// <summary>An injected failure: the next <see cref="Remaining"/> calls of an endpoint answer this status and code.</summary>
internal sealed class Fault(int remaining, int status, string code, TimeSpan? retryAfter)
{
    public int Remaining { get; set; } = remaining;

    public int Status { get; } = status;

    public string Code { get; } = code;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

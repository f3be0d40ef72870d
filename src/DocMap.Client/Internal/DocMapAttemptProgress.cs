namespace DocMap.Client.Internal;

/// <summary>Where the last failed attempt of a request got to.</summary>
internal enum DocMapAttemptPhase
{
    /// <summary>Sent; no response headers yet.</summary>
    AwaitingResponse,

    /// <summary>The response headers arrived; the body was being read.</summary>
    ReadingBody,

    /// <summary>The attempt ended: it got an error status, or failed other than by cancellation.</summary>
    Done,
}

/// <summary>
/// How far the last failed attempt of a request got, kept in the request's options by
/// <see cref="DocMapBufferingHandler"/> (innermost, so it sees every attempt) and read by
/// <see cref="DocMapTimeoutHandler"/>, whose timeout message then says whether the headers had arrived. Only failed
/// attempts record it (a cancelled or timed-out one with the phase it was in), so a successful call allocates nothing
/// for it.
/// </summary>
internal sealed record DocMapAttemptProgress(DocMapAttemptPhase Phase, int StatusCode)
{
    private static readonly HttpRequestOptionsKey<DocMapAttemptProgress> Key = new("DocMap.AttemptProgress");

    /// <summary>Records how far the attempt of <paramref name="request"/> that just failed got.</summary>
    public static void Record(HttpRequestMessage request, DocMapAttemptPhase phase, int statusCode) =>
        request.Options.Set(Key, new DocMapAttemptProgress(phase, statusCode));

    /// <summary>The progress of the request's last failed attempt, or <see langword="null"/> when none failed.</summary>
    public static DocMapAttemptProgress? Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out var progress) ? progress : null;
}

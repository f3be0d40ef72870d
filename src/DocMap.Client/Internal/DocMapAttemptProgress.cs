namespace DocMap.Client.Internal;

/// <summary>Where the current (or last) attempt of a request got to.</summary>
internal enum DocMapAttemptPhase
{
    /// <summary>Sent; no response headers yet.</summary>
    AwaitingResponse,

    /// <summary>The response headers arrived; the body is being read.</summary>
    ReadingBody,

    /// <summary>The attempt ended: its body was read, or it failed other than by cancellation (a cancelled or timed-out attempt keeps the phase it was in).</summary>
    Done,
}

/// <summary>
/// How far the current attempt of a request got, kept in the request's options by <see cref="DocMapBufferingHandler"/>
/// (innermost, so it sees every attempt) and read by <see cref="DocMapTimeoutHandler"/>, whose timeout message then
/// says whether the headers had arrived.
/// </summary>
internal sealed class DocMapAttemptProgress
{
    private static readonly HttpRequestOptionsKey<DocMapAttemptProgress> Key = new("DocMap.AttemptProgress");

    private DocMapAttemptProgress()
    {
    }

    /// <summary>How far the attempt got. Written and read on different threads only after an await, so no lock.</summary>
    public DocMapAttemptPhase Phase { get; private set; }

    /// <summary>The status of the response headers, once they arrived.</summary>
    public int StatusCode { get; private set; }

    /// <summary>Marks the start of an attempt of <paramref name="request"/>.</summary>
    public static DocMapAttemptProgress Start(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(Key, out var progress))
        {
            progress = new DocMapAttemptProgress();
            request.Options.Set(Key, progress);
        }

        progress.Phase = DocMapAttemptPhase.AwaitingResponse;
        progress.StatusCode = 0;
        return progress;
    }

    /// <summary>The progress of the request's current or last attempt, or <see langword="null"/> when none started.</summary>
    public static DocMapAttemptProgress? Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out var progress) ? progress : null;

    public void HeadersReceived(int statusCode)
    {
        StatusCode = statusCode;
        Phase = DocMapAttemptPhase.ReadingBody;
    }

    public void Finished() => Phase = DocMapAttemptPhase.Done;
}

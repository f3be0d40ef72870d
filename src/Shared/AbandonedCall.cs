using System.Threading;
using System.Threading.Tasks;

namespace DocMap.Internal;

/// <summary>
/// A call that was given up on (its wait timed out or was cancelled) but may still fail later: its failure is observed
/// whenever it comes, so it is never reported as <see cref="TaskScheduler.UnobservedTaskException"/> (which many apps log
/// as a crash, or treat as one). One source file linked into every package that abandons calls.
/// </summary>
internal static class AbandonedCall
{
    /// <summary>Observes the late failure of <paramref name="call"/> (at once when it already failed).</summary>
    public static void Observe(Task call) =>
        call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}

namespace DocMap.Client.Signatures.AspNetCore.Inbox;

/// <summary>
/// The durable state of the DocMap delivery inbox: which deliveries were accepted (the dedupe records), which wait to
/// be processed, which are leased to a worker, which completed and which were dead-lettered. The inbox ships an
/// in-memory store (one process) and, in the <c>DocMap.Client.Redis</c> package, a Redis / Valkey / Garnet store
/// (durable, shared by any number of receiver instances). Implement it to keep the inbox in another database.
/// </summary>
/// <remarks>
/// <para>
/// Every implementation must pass the same contract (the SDK's store contract test suite runs against each store):
/// </para>
/// <list type="bullet">
/// <item><description><b>Ids.</b> A message's <see cref="InboxMessage.Id"/> is its dedupe key. There is at most one
/// record per id. A record is <see cref="InboxMessageState.Queued"/>, <see cref="InboxMessageState.Running"/>,
/// <see cref="InboxMessageState.Completed"/> or <see cref="InboxMessageState.DeadLettered"/>.</description></item>
/// <item><description><b>Retention.</b> A completed or dead-lettered record is kept for the store's retention period
/// (counted from its completion or dead-lettering) and then treated as absent, whether or not
/// <see cref="PurgeExpiredAsync"/> has removed it yet: <see cref="ExistsAsync"/> answers <see langword="false"/>,
/// <see cref="GetAsync"/> <see langword="null"/>, and <see cref="TryAcceptAsync"/> accepts the id again. Queued and
/// running records never expire.</description></item>
/// <item><description><b>Time.</b> "Now" is the store's <see cref="TimeProvider"/> (the inbox's, from DI), so every
/// instance sharing a store must have a reasonably synchronized clock (lease durations are far larger than normal
/// clock skew).</description></item>
/// <item><description><b>Leases.</b> Each lease has a unique <see cref="InboxLease.Token"/>. Renewing, retrying,
/// dead-lettering and releasing succeed only for the current lease of a running record; completing succeeds for any
/// lease (a finished handler run is never lost). A lease past <see cref="InboxLease.ExpiresAt"/> that nobody has taken
/// over may still be renewed or settled by its holder.</description></item>
/// <item><description><b>Failures.</b> A store that cannot be reached throws (any exception): the endpoint then answers
/// 503, never 200. Methods never return a success they did not durably record.</description></item>
/// <item><description><b>Concurrency.</b> Every method is safe to call concurrently, from any number of processes for a
/// shared store; <see cref="TryAcceptAsync"/> and <see cref="LeaseAsync"/> are atomic (two callers never both accept
/// one id, and a due record is leased to one caller at a time).</description></item>
/// </list>
/// </remarks>
public interface IDocMapWebhookInboxStore
{
    /// <summary>
    /// Claims <paramref name="message"/>'s id and records the message as <see cref="InboxMessageState.Queued"/>, due at
    /// once with no attempt made, in one atomic step.
    /// </summary>
    /// <param name="message">The verified delivery (or missed-delivery notice) to record.</param>
    /// <param name="cancellationToken">Cancels the call (the outcome is then unknown).</param>
    /// <returns>
    /// <see langword="true"/> when the message was recorded; <see langword="false"/> when a record with its id exists (in
    /// any state, within the retention period): a duplicate, nothing is changed.
    /// </returns>
    Task<bool> TryAcceptAsync(InboxMessage message, CancellationToken cancellationToken);

    /// <summary>Whether a record with this id exists (in any state, within the retention period).</summary>
    /// <param name="id">The message id (dedupe key).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the record exists.</returns>
    Task<bool> ExistsAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="maxCount"/> records to <paramref name="owner"/>: queued records that are due (their
    /// <see cref="InboxRecord.NextAttemptAt"/> is now or past), earliest due first and, among records due at the same
    /// time, in the order they were accepted (first in, first out), and then running records whose lease expired (their
    /// worker died or lost touch), earliest expired first. Each leased record becomes <see cref="InboxMessageState.Running"/> with
    /// a new token, expires <paramref name="leaseDuration"/> from now, and counts one more attempt.
    /// </summary>
    /// <param name="owner">Who takes the leases (for diagnostics), for example <c>host/pid/worker</c>.</param>
    /// <param name="maxCount">The most records to lease; at least 1.</param>
    /// <param name="leaseDuration">How long the leases last unless renewed; positive.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The leases, possibly none.</returns>
    Task<IReadOnlyList<InboxLease>> LeaseAsync(string owner, int maxCount, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Extends a lease to <paramref name="leaseDuration"/> from now.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="leaseDuration">The new duration from now; positive.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease was lost (another worker took the record over, or it was settled).</returns>
    Task<bool> RenewAsync(InboxLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the handler finished the message: the record becomes <see cref="InboxMessageState.Completed"/>
    /// (whatever lease it is under: the work is done), its body may be dropped, and it is kept for the retention period
    /// so that a repeat of the delivery is recognized as a duplicate.
    /// </summary>
    /// <param name="lease">The lease the handler ran under.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the record was already completed or no longer exists.</returns>
    Task<bool> CompleteAsync(InboxLease lease, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and puts the record back in the queue, due at <paramref name="dueAt"/>.</summary>
    /// <param name="lease">The current lease.</param>
    /// <param name="dueAt">When the next attempt may start.</param>
    /// <param name="failure">What went wrong (kept as <see cref="InboxRecord.LastFailure"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease was lost (nothing is changed).</returns>
    Task<bool> RetryAsync(InboxLease lease, DateTimeOffset dueAt, InboxFailure failure, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up on the message: the record becomes <see cref="InboxMessageState.DeadLettered"/>, keeps its body (for
    /// inspection and <see cref="RequeueAsync"/>) and is kept for the retention period.
    /// </summary>
    /// <param name="lease">The current lease.</param>
    /// <param name="failure">Why (kept as <see cref="InboxRecord.LastFailure"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease was lost (nothing is changed).</returns>
    Task<bool> DeadLetterAsync(InboxLease lease, InboxFailure failure, CancellationToken cancellationToken);

    /// <summary>
    /// Hands a leased record back without counting the attempt (graceful shutdown): it becomes
    /// <see cref="InboxMessageState.Queued"/>, due at once, with the attempt count it had before the lease.
    /// </summary>
    /// <param name="lease">The current lease.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the lease was lost (nothing is changed).</returns>
    Task<bool> ReleaseAsync(InboxLease lease, CancellationToken cancellationToken);

    /// <summary>Reads a record in any state.</summary>
    /// <param name="id">The message id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The record, or <see langword="null"/> when none exists (or it passed its retention).</returns>
    Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Lists dead-lettered records, most recently dead-lettered first.</summary>
    /// <param name="limit">The most records to return; at least 1.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records, with their bodies.</returns>
    Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a dead-lettered record back in the queue, due at once, with its attempt count reset to zero (its last failure
    /// is kept until the next attempt ends).
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when no dead-lettered record has this id.</returns>
    Task<bool> RequeueAsync(string id, CancellationToken cancellationToken);

    /// <summary>Counts the records by state (queued includes those waiting for a retry; running includes expired leases).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The counts.</returns>
    Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>Removes completed and dead-lettered records whose retention period has passed.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many records were removed (a store that expires records by itself may return 0).</returns>
    Task<long> PurgeExpiredAsync(CancellationToken cancellationToken);
}

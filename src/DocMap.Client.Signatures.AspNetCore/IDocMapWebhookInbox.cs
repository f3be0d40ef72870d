using DocMap.Client.Signatures.AspNetCore.Inbox;

namespace DocMap.Client.Signatures.AspNetCore;

/// <summary>
/// Manages the DocMap delivery inbox (registered in DI by <c>AddDocMapWebhookInbox</c>): how many messages wait, run and
/// were dead-lettered, the dead letters themselves (with their bodies), and re-queueing one after the cause is fixed.
/// Works on the shared store, so on any instance it shows every instance's messages.
/// </summary>
/// <example>
/// <code>
/// app.MapGet("/admin/inbox", (IDocMapWebhookInbox inbox, CancellationToken ct) => inbox.GetStatsAsync(ct));
/// app.MapPost("/admin/inbox/{id}/requeue", async (string id, IDocMapWebhookInbox inbox, CancellationToken ct) =>
///     await inbox.RequeueAsync(id, ct) ? Results.NoContent() : Results.NotFound());
/// </code>
/// Protect such endpoints: a dead letter's body is the delivery's signed content.
/// </example>
public interface IDocMapWebhookInbox
{
    /// <summary>The most records <see cref="ListDeadLettersAsync"/> returns in one call.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Counts the messages that are queued (new, or waiting for a retry), running (leased), and dead-lettered (within the retention).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The counts.</returns>
    /// <exception cref="Exception">The store could not be reached (the store's own exception).</exception>
    Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists dead-lettered messages, most recently dead-lettered first, each with its body, its attempt count and the
    /// failure of its last attempt (<see cref="InboxRecord.LastFailure"/>: the exception's type and message).
    /// </summary>
    /// <param name="limit">The most records to return, 1 to <see cref="MaxListLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The dead letters.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to <see cref="MaxListLimit"/>.</exception>
    Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads one message in any state by its id (<see cref="InboxMessage.Id"/>, as listed): its body (dropped once it
    /// completed), state, attempts, due time or lease expiry, and last failure.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The record, or <see langword="null"/> when the inbox holds none with this id (or it passed its retention).</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <see langword="null"/> or empty.</exception>
    Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a dead-lettered message back in the queue, due at once with its attempt count reset (it then gets
    /// <see cref="DocMapWebhookInboxOptions.MaxAttempts"/> attempts again), and wakes this instance's workers.
    /// </summary>
    /// <param name="id">The message id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when no dead-lettered message has this id.</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is <see langword="null"/> or empty.</exception>
    Task<bool> RequeueAsync(string id, CancellationToken cancellationToken = default);
}

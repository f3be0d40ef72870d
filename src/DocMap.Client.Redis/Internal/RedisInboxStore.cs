using System.Diagnostics;
using System.Globalization;
using DocMap.Client.Signatures.AspNetCore.Inbox;
using DocMap.Internal;
using StackExchange.Redis;

namespace DocMap.Client.Redis.Internal;

/// <summary>
/// The inbox store on Redis 6.2+, Valkey and Garnet: strings, hashes, sorted sets and Lua scripts only (no streams), one
/// hash slot per inbox (the key prefix's hash tag). Times are the <see cref="TimeProvider"/>'s, in Unix milliseconds:
/// due times, lease expiries and retention are scores and fields, not Redis expiries; settled records also carry a
/// real expiry of retention + a margin (<see cref="DefaultExpiryMargin"/>) as a safety net, and settling trims index entries
/// older than that, so storage stays bounded even if <see cref="PurgeExpiredAsync"/> never runs. See <see cref="RedisInboxKeys"/> for the key
/// layout and <see cref="RedisInboxScripts"/> for the scripts. Round trips: accept, renew, complete, retry, dead-letter,
/// release, requeue, exists, get and stats one each; lease one, plus one to read the leased records when it took any;
/// dead-letter listing two; purge two per batch of <see cref="PurgeBatchSize"/>.
/// </summary>
internal sealed class RedisInboxStore : IDocMapWebhookInboxStore, IAsyncDisposable, IDisposable
{
    /// <summary>How much longer than the retention a settled record's Redis expiry is, by default.</summary>
    internal static readonly TimeSpan DefaultExpiryMargin = TimeSpan.FromDays(1);

    /// <summary>How many expired records one purge script removes.</summary>
    internal const int PurgeBatchSize = 256;

    private const int MaxIdLength = 200;

    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _margin;
    private readonly long _expiryMs;

    public RedisInboxStore(RedisConnection connection, string keyPrefix, TimeProvider time, TimeSpan retention, TimeSpan operationTimeout, TimeSpan? expiryMargin = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(time);
        if (RedisInboxOptionsValidator.KeyPrefixProblem(keyPrefix) is { } problem)
        {
            throw new ArgumentException(problem, nameof(keyPrefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(operationTimeout, TimeSpan.Zero);
        _connection = connection;
        _time = time;
        _retention = retention;
        _timeout = operationTimeout;
        _margin = expiryMargin ?? DefaultExpiryMargin;
        ArgumentOutOfRangeException.ThrowIfLessThan(_margin, TimeSpan.Zero, nameof(expiryMargin));
        _expiryMs = (long)Math.Ceiling((retention + _margin).TotalMilliseconds);
        Keys = new RedisInboxKeys(keyPrefix);
    }

    internal RedisInboxKeys Keys { get; }

    internal RedisConnection Connection => _connection;

    public async Task<bool> TryAcceptAsync(InboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var values = new List<RedisValue>(20)
        {
            message.Id,
            Ms(now),
            Ms(now - _retention),
            "k", (int)message.Kind,
            "e", message.Endpoint,
            "v", message.EventType,
            "c", Ms(message.AcceptedAt),
            "b", message.Body,
        };
        if (message.ExtractionId is { } extractionId)
        {
            values.Add("i");
            values.Add(extractionId);
        }

        if (message.TraceParent is { } traceParent)
        {
            values.Add("p");
            values.Add(traceParent);
        }

        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var result = await WithinAsync(
            db.ScriptEvaluateAsync(RedisInboxScripts.Accept, [Keys.Record(message.Id), Keys.Queued, Keys.Completed, Keys.DeadLettered, Keys.Sequence], [.. values]),
            started,
            cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsValidId(id))
        {
            return false;
        }

        var started = Stopwatch.GetTimestamp();
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var found = await WithinAsync(db.HashGetAsync(Keys.Record(id), [(RedisValue)"k", "s", "x"]), started, cancellationToken).ConfigureAwait(false);
        return !found[0].IsNull && !IsExpired(found[1], found[2], _time.GetUtcNow());
    }

    public async Task<IReadOnlyList<InboxLease>> LeaseAsync(string owner, int maxCount, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var expiresAt = now + leaseDuration;
        var tokenBase = Guid.NewGuid().ToString("N") + ":";
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var taken = (RedisResult[])(await WithinAsync(
            db.ScriptEvaluateAsync(RedisInboxScripts.Lease, [Keys.Queued, Keys.Running, Keys.Attempts, Keys.Tokens], [Ms(now), Ms(expiresAt), maxCount, tokenBase]),
            started,
            cancellationToken).ConfigureAwait(false))!;
        if (taken.Length == 0)
        {
            return [];
        }

        // The leased records' messages, in one pipelined round trip. They cannot change under the new leases except by a
        // late completion under an older lease (then the record is settled and the lease is not handed out).
        var count = taken.Length / 3;
        var reads = new Task<HashEntry[]>[count];
        for (var i = 0; i < count; i++)
        {
            reads[i] = db.HashGetAllAsync(Keys.Record(IdOf(taken[i * 3])));
        }

        await WithinAsync(Task.WhenAll(reads), started, cancellationToken).ConfigureAwait(false);
        var leases = new List<InboxLease>(count);
        var expiry = FromMs(Ms(expiresAt));
        for (var i = 0; i < count; i++)
        {
            var id = IdOf(taken[i * 3]);
            var fields = Fields.From(reads[i].Result);
            if (fields.Kind.IsNull)
            {
                await WithinAsync(
                    db.ScriptEvaluateAsync(RedisInboxScripts.Forget, [Keys.Record(id), Keys.Queued, Keys.Running, Keys.Attempts, Keys.Tokens], [id, (RedisValue)taken[i * 3]]),
                    started,
                    cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!fields.Settled.IsNull)
            {
                continue;
            }

            leases.Add(new InboxLease
            {
                Message = fields.ToMessage(id),
                Attempt = (int)(long)taken[(i * 3) + 1],
                Token = (string)taken[(i * 3) + 2]!,
                Owner = owner,
                ExpiresAt = expiry,
                PreviousFailure = fields.ToFailure(),
            });
        }

        return leases;
    }

    public async Task<bool> RenewAsync(InboxLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var expiresAt = _time.GetUtcNow() + leaseDuration;
        var id = lease.Message.Id;
        return await ScriptAsync(RedisInboxScripts.Renew, [Keys.Record(id), Keys.Running, Keys.Tokens], [id, lease.Token, Ms(expiresAt)], cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> CompleteAsync(InboxLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var id = lease.Message.Id;
        var now = _time.GetUtcNow();
        return await ScriptAsync(
            RedisInboxScripts.Complete,
            [Keys.Record(id), Keys.Queued, Keys.Running, Keys.Attempts, Keys.Tokens, Keys.Completed, Keys.DeadLettered],
            [id, Ms(now), Ms(now - _retention), _expiryMs, Ms(now - _retention - _margin)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RetryAsync(InboxLease lease, DateTimeOffset dueAt, InboxFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        var id = lease.Message.Id;
        return await ScriptAsync(
            RedisInboxScripts.Retry,
            [Keys.Record(id), Keys.Queued, Keys.Running, Keys.Tokens],
            [id, lease.Token, Ms(dueAt), failure.ExceptionType, failure.Message, Ms(failure.FailedAt)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeadLetterAsync(InboxLease lease, InboxFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(failure);
        cancellationToken.ThrowIfCancellationRequested();
        var id = lease.Message.Id;
        var now = _time.GetUtcNow();
        return await ScriptAsync(
            RedisInboxScripts.DeadLetter,
            [Keys.Record(id), Keys.Running, Keys.Attempts, Keys.Tokens, Keys.DeadLettered],
            [id, lease.Token, Ms(now), _expiryMs, failure.ExceptionType, failure.Message, Ms(failure.FailedAt), Ms(now - _retention - _margin)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ReleaseAsync(InboxLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var id = lease.Message.Id;
        return await ScriptAsync(
            RedisInboxScripts.Release,
            [Keys.Record(id), Keys.Queued, Keys.Running, Keys.Attempts, Keys.Tokens],
            [id, lease.Token, Ms(_time.GetUtcNow())],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<InboxRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsValidId(id))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var result = (RedisResult[])(await WithinAsync(
            db.ScriptEvaluateAsync(RedisInboxScripts.Get, [Keys.Record(id), Keys.Queued, Keys.Running, Keys.Attempts], [id]),
            started,
            cancellationToken).ConfigureAwait(false))!;
        var fields = Fields.From((RedisResult[])result[0]!);
        if (fields.Kind.IsNull || IsExpired(fields.Settled, fields.SettledAt, _time.GetUtcNow()))
        {
            return null;
        }

        if (!fields.Settled.IsNull)
        {
            return fields.ToRecord(id, fields.Settled == "2" ? InboxMessageState.Completed : InboxMessageState.DeadLettered, (int)fields.Attempts, null, null);
        }

        var attempts = result[3].IsNull ? 0 : (int)(long)result[3];
        return result[2].IsNull
            ? fields.ToRecord(id, InboxMessageState.Queued, attempts, result[1].IsNull ? null : FromScore(result[1]), null)
            : fields.ToRecord(id, InboxMessageState.Running, attempts, null, FromScore(result[2]));
    }

    public async Task<IReadOnlyList<InboxRecord>> ListDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var ids = await WithinAsync(
            db.SortedSetRangeByScoreAsync(Keys.DeadLettered, Ms(now - _retention), double.PositiveInfinity, Exclude.Start, Order.Descending, 0, limit),
            started,
            cancellationToken).ConfigureAwait(false);
        if (ids.Length == 0)
        {
            return [];
        }

        var reads = new Task<HashEntry[]>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            reads[i] = db.HashGetAllAsync(Keys.Record((string)ids[i]!));
        }

        await WithinAsync(Task.WhenAll(reads), started, cancellationToken).ConfigureAwait(false);
        var records = new List<InboxRecord>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            // A record re-queued (or purged) between the two reads is no longer a dead letter.
            var fields = Fields.From(reads[i].Result);
            if (!fields.Kind.IsNull && fields.Settled == "3" && !IsExpired(fields.Settled, fields.SettledAt, now))
            {
                records.Add(fields.ToRecord((string)ids[i]!, InboxMessageState.DeadLettered, (int)fields.Attempts, null, null));
            }
        }

        return records;
    }

    public async Task<bool> RequeueAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsValidId(id))
        {
            return false;
        }

        var now = _time.GetUtcNow();
        return await ScriptAsync(
            RedisInboxScripts.Requeue,
            [Keys.Record(id), Keys.Queued, Keys.Attempts, Keys.DeadLettered],
            [id, Ms(now), Ms(now - _retention)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<InboxStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var counts = (RedisResult[])(await WithinAsync(
            db.ScriptEvaluateAsync(RedisInboxScripts.Stats, [Keys.Queued, Keys.Running, Keys.DeadLettered], [Ms(_time.GetUtcNow() - _retention)]),
            started,
            cancellationToken).ConfigureAwait(false))!;
        return new InboxStats { Queued = (long)counts[0], Running = (long)counts[1], DeadLettered = (long)counts[2] };
    }

    public async Task<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long removed = 0;
        var cutoff = Ms(_time.GetUtcNow() - _retention);
        while (true)
        {
            // Each batch has its own time budget: a long backlog is purged in steps, each bounded.
            var started = Stopwatch.GetTimestamp();
            var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
            var completedTask = db.SortedSetRangeByScoreAsync(Keys.Completed, double.NegativeInfinity, cutoff, Exclude.None, Order.Ascending, 0, PurgeBatchSize);
            var deadTask = db.SortedSetRangeByScoreAsync(Keys.DeadLettered, double.NegativeInfinity, cutoff, Exclude.None, Order.Ascending, 0, PurgeBatchSize);
            await WithinAsync(Task.WhenAll(completedTask, deadTask), started, cancellationToken).ConfigureAwait(false);
            var candidates = completedTask.Result.Concat(deadTask.Result).Distinct().ToArray();
            if (candidates.Length == 0)
            {
                return removed;
            }

            var keys = new RedisKey[candidates.Length + 2];
            var values = new RedisValue[candidates.Length + 1];
            keys[0] = Keys.Completed;
            keys[1] = Keys.DeadLettered;
            values[0] = cutoff;
            for (var i = 0; i < candidates.Length; i++)
            {
                keys[i + 2] = Keys.Record((string)candidates[i]!);
                values[i + 1] = candidates[i];
            }

            var batch = (long)await WithinAsync(db.ScriptEvaluateAsync(RedisInboxScripts.Purge, keys, values), started, cancellationToken).ConfigureAwait(false);
            removed += batch;
            if (batch == 0 || (completedTask.Result.Length < PurgeBatchSize && deadTask.Result.Length < PurgeBatchSize))
            {
                return removed;
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    public void Dispose() => _connection.Dispose();

    private async Task<bool> ScriptAsync(string script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var db = await DatabaseAsync(started, cancellationToken).ConfigureAwait(false);
        var result = await WithinAsync(db.ScriptEvaluateAsync(script, keys, values), started, cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    private async ValueTask<IDatabase> DatabaseAsync(long started, CancellationToken cancellationToken)
    {
        var pending = _connection.GetDatabaseAsync();
        return pending.IsCompletedSuccessfully ? pending.Result : await WithinAsync(pending.AsTask(), started, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Awaits <paramref name="task"/> for what is left of the call's time budget, in real time (never the store's clock).</summary>
    private async Task<T> WithinAsync<T>(Task<T> task, long started, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(Remaining(started), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (!FailedWith(task, ex))
        {
            AbandonedCall.Observe(task);
            throw TimedOut();
        }
        catch (OperationCanceledException ex) when (!FailedWith(task, ex))
        {
            AbandonedCall.Observe(task);
            throw;
        }
    }

    private async Task WithinAsync(Task task, long started, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(Remaining(started), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex) when (!FailedWith(task, ex))
        {
            AbandonedCall.Observe(task);
            throw TimedOut();
        }
        catch (OperationCanceledException ex) when (!FailedWith(task, ex))
        {
            AbandonedCall.Observe(task);
            throw;
        }
    }

    /// <summary>
    /// What is left of the call's budget; zero once it is spent, so that an answer already here is still taken (and a
    /// failure already here still thrown as itself) while a call still pending times out at once.
    /// </summary>
    private TimeSpan Remaining(long started)
    {
        var remaining = _timeout - Stopwatch.GetElapsedTime(started);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary>Whether <paramref name="exception"/> is the call's own failure (the Redis client's own timeout, say), not the wait's.</summary>
    private static bool FailedWith(Task task, Exception exception) =>
        task.IsFaulted && task.Exception!.InnerExceptions.Contains(exception);

    private TimeoutException TimedOut() => new(
        $"The DocMap inbox's Redis store did not answer within {DurationText.Describe(_timeout)} (DocMapRedisInboxOptions.OperationTimeout); the server may be down, unreachable or overloaded.");

    private bool IsExpired(RedisValue settled, RedisValue settledAt, DateTimeOffset now) =>
        !settled.IsNull && (long)settledAt <= Ms(now - _retention);

    private static bool IsValidId(string id)
    {
        if (id.Length is 0 or > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The id in a member of the queued or running set (after its sequence number).</summary>
    private static string IdOf(RedisResult member) => ((string)member!)[RedisInboxKeys.SequenceLength..];

    private static long Ms(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset FromScore(RedisResult score) => FromMs((long)double.Parse((string)score!, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>A record hash's fields, by their one- or two-letter names.</summary>
    private struct Fields
    {
        public RedisValue Kind;
        public RedisValue Endpoint;
        public RedisValue EventType;
        public RedisValue ExtractionId;
        public RedisValue AcceptedAt;
        public RedisValue TraceParent;
        public RedisValue Body;
        public RedisValue Settled;
        public RedisValue SettledAt;
        public RedisValue Attempts;
        public RedisValue FailureType;
        public RedisValue FailureMessage;
        public RedisValue FailedAt;

        public static Fields From(HashEntry[] entries)
        {
            var fields = default(Fields);
            foreach (var entry in entries)
            {
                fields.Set(entry.Name, entry.Value);
            }

            return fields;
        }

        public static Fields From(RedisResult[] flat)
        {
            var fields = default(Fields);
            for (var i = 0; i + 1 < flat.Length; i += 2)
            {
                fields.Set((RedisValue)flat[i], (RedisValue)flat[i + 1]);
            }

            return fields;
        }

        private void Set(RedisValue name, RedisValue value)
        {
            switch ((string?)name)
            {
                case "k": Kind = value; break;
                case "e": Endpoint = value; break;
                case "v": EventType = value; break;
                case "i": ExtractionId = value; break;
                case "c": AcceptedAt = value; break;
                case "p": TraceParent = value; break;
                case "b": Body = value; break;
                case "q":
                    break;
                case "s": Settled = value; break;
                case "x": SettledAt = value; break;
                case "a": Attempts = value; break;
                case "fe": FailureType = value; break;
                case "fm": FailureMessage = value; break;
                case "ft": FailedAt = value; break;
            }
        }

        public readonly InboxMessage ToMessage(string id) => new()
        {
            Id = id,
            Kind = (InboxMessageKind)(int)Kind,
            Endpoint = (string?)Endpoint ?? string.Empty,
            EventType = (string?)EventType ?? string.Empty,
            ExtractionId = ExtractionId.IsNull ? null : (string?)ExtractionId,
            Body = Body.IsNull ? ReadOnlyMemory<byte>.Empty : (byte[])Body!,
            AcceptedAt = FromMs((long)AcceptedAt),
            TraceParent = TraceParent.IsNull ? null : (string?)TraceParent,
        };

        public readonly InboxFailure? ToFailure() => FailureType.IsNull ? null : new InboxFailure
        {
            ExceptionType = (string?)FailureType ?? string.Empty,
            Message = (string?)FailureMessage ?? string.Empty,
            FailedAt = FromMs((long)FailedAt),
        };

        public readonly InboxRecord ToRecord(string id, InboxMessageState state, int attempts, DateTimeOffset? nextAttemptAt, DateTimeOffset? leaseExpiresAt) => new()
        {
            Message = ToMessage(id),
            State = state,
            Attempts = attempts,
            NextAttemptAt = nextAttemptAt,
            LeaseExpiresAt = leaseExpiresAt,
            SettledAt = Settled.IsNull ? null : FromMs((long)SettledAt),
            LastFailure = ToFailure(),
        };
    }
}

namespace DocMap.Client.Redis.Internal;

/// <summary>
/// The store's Lua scripts. They run unchanged on Redis 6.2+ and Valkey (Lua 5.1) and on Garnet (Lua 5.4), so they
/// use only <c>redis.call</c>, <c>tonumber</c>, <c>unpack</c> and string concatenation, never format a computed
/// number (5.4 would print it as a float) and never read the server clock: every time comes from the store's
/// <see cref="TimeProvider"/> as Unix milliseconds in ARGV. Every key a script touches is in its KEYS (Garnet locks
/// exactly those in its Lua transaction mode; Redis Cluster routes by them), and all share the prefix's hash tag.
/// Record fields: k kind, e endpoint, v event type, i extraction id, c accepted at, p traceparent, b body,
/// q the record's member in the queued and running sets (while not completed), s settled state (2 completed,
/// 3 dead-lettered; absent while queued or running), x settled at, a attempts (settled records only), fe / fm / ft
/// the last failure's type, message and time.
/// The queued and running sets' members are a 15-digit accept sequence number followed by the id, so that records
/// due at the same millisecond are taken first in, first out (a sorted set orders equal scores by member).
/// </summary>
internal static class RedisInboxScripts
{
    /// <summary>
    /// Claim + enqueue. KEYS: record, queued, completed, dead, sequence. ARGV: id, now, retention cutoff, then the
    /// record's field/value pairs. A settled record past its retention is replaced. Returns 1 when recorded, 0 for a
    /// duplicate.
    /// </summary>
    public const string Accept = """
        local found = redis.call('HMGET', KEYS[1], 'k', 's', 'x')
        if found[1] then
          if not found[2] or tonumber(found[3]) > tonumber(ARGV[3]) then
            return 0
          end
          redis.call('DEL', KEYS[1])
          redis.call('ZREM', KEYS[3], ARGV[1])
          redis.call('ZREM', KEYS[4], ARGV[1])
        end
        local member = string.format('%015d', redis.call('INCR', KEYS[5])) .. ARGV[1]
        redis.call('HSET', KEYS[1], 'q', member, unpack(ARGV, 4))
        redis.call('ZADD', KEYS[2], ARGV[2], member)
        return 1
        """;

    /// <summary>
    /// Lease. KEYS: queued, running, attempts, tokens. ARGV: now, lease expiry, max count, token base. Takes due queued
    /// records (earliest first), then running ones whose lease expired. Returns member, attempt, token triples.
    /// </summary>
    public const string Lease = """
        local max = tonumber(ARGV[3])
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, max)
        local expired = {}
        if #due < max then
          expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, max - #due)
        end
        local out = {}
        local n = 0
        local function take(member)
          local id = string.sub(member, 16)
          n = n + 1
          local token = ARGV[4] .. n
          redis.call('ZADD', KEYS[2], ARGV[2], member)
          redis.call('HSET', KEYS[4], id, token)
          out[#out + 1] = member
          out[#out + 1] = redis.call('HINCRBY', KEYS[3], id, 1)
          out[#out + 1] = token
        end
        for _, member in ipairs(due) do
          redis.call('ZREM', KEYS[1], member)
          take(member)
        end
        for _, member in ipairs(expired) do
          take(member)
        end
        return out
        """;

    /// <summary>Renew. KEYS: record, running, tokens. ARGV: id, token, new expiry. Returns 1, or 0 when the lease was lost.</summary>
    public const string Renew = """
        if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        local member = redis.call('HGET', KEYS[1], 'q')
        if not member then
          return 0
        end
        redis.call('ZADD', KEYS[2], ARGV[3], member)
        return 1
        """;

    /// <summary>Retry. KEYS: record, queued, running, tokens. ARGV: id, token, due, failure type, message, time.</summary>
    public const string Retry = """
        if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        local member = redis.call('HGET', KEYS[1], 'q')
        if not member then
          return 0
        end
        redis.call('HDEL', KEYS[4], ARGV[1])
        redis.call('ZREM', KEYS[3], member)
        redis.call('ZADD', KEYS[2], ARGV[3], member)
        redis.call('HSET', KEYS[1], 'fe', ARGV[4], 'fm', ARGV[5], 'ft', ARGV[6])
        return 1
        """;

    /// <summary>Release. KEYS: record, queued, running, attempts, tokens. ARGV: id, token, now. The attempt is not counted.</summary>
    public const string Release = """
        if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        local member = redis.call('HGET', KEYS[1], 'q')
        if not member then
          return 0
        end
        redis.call('HDEL', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[3], member)
        redis.call('ZADD', KEYS[2], ARGV[3], member)
        if redis.call('HINCRBY', KEYS[4], ARGV[1], -1) <= 0 then
          redis.call('HDEL', KEYS[4], ARGV[1])
        end
        return 1
        """;

    /// <summary>
    /// Dead-letter. KEYS: record, running, attempts, tokens, dead. ARGV: id, token, now, expiry (ms), failure type,
    /// message, time, trim-before (dead index entries older than this are dropped: their records expired already).
    /// </summary>
    public const string DeadLetter = """
        if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        local member = redis.call('HGET', KEYS[1], 'q')
        if not member then
          return 0
        end
        local attempts = redis.call('HGET', KEYS[3], ARGV[1]) or '0'
        redis.call('HDEL', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('ZREM', KEYS[2], member)
        redis.call('HSET', KEYS[1], 's', '3', 'x', ARGV[3], 'a', attempts, 'fe', ARGV[5], 'fm', ARGV[6], 'ft', ARGV[7])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[8])
        return 1
        """;

    /// <summary>
    /// Complete (under any lease). KEYS: record, queued, running, attempts, tokens, completed, dead. ARGV: id, now,
    /// retention cutoff, expiry (ms), trim-before. Returns 0 when already completed or absent. The record is written
    /// anew without its body (and member): a hash once converted to a table encoding by a large value stays so after
    /// the value is deleted, while a fresh small hash is kept compact (listpack) by Redis.
    /// </summary>
    public const string Complete = """
        local found = redis.call('HMGET', KEYS[1], 'k', 's', 'x', 'q', 'a')
        if not found[1] or found[2] == '2' then
          return 0
        end
        local attempts = found[5]
        if found[2] then
          if tonumber(found[3]) <= tonumber(ARGV[3]) then
            return 0
          end
          redis.call('ZREM', KEYS[7], ARGV[1])
        else
          attempts = redis.call('HGET', KEYS[4], ARGV[1]) or '0'
          if found[4] then
            redis.call('ZREM', KEYS[2], found[4])
            redis.call('ZREM', KEYS[3], found[4])
          end
          redis.call('HDEL', KEYS[4], ARGV[1])
          redis.call('HDEL', KEYS[5], ARGV[1])
        end
        local all = redis.call('HGETALL', KEYS[1])
        local kept = {}
        for i = 1, #all, 2 do
          local field = all[i]
          if field ~= 'b' and field ~= 'q' and field ~= 's' and field ~= 'x' and field ~= 'a' then
            kept[#kept + 1] = field
            kept[#kept + 1] = all[i + 1]
          end
        end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 's', '2', 'x', ARGV[2], 'a', attempts, unpack(kept))
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('ZADD', KEYS[6], ARGV[2], ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. ARGV[5])
        return 1
        """;

    /// <summary>Requeue a dead letter. KEYS: record, queued, attempts, dead. ARGV: id, now, retention cutoff.</summary>
    public const string Requeue = """
        local found = redis.call('HMGET', KEYS[1], 'k', 's', 'x', 'q')
        if not found[1] or found[2] ~= '3' or tonumber(found[3]) <= tonumber(ARGV[3]) or not found[4] then
          return 0
        end
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[1], 's', 'x', 'a')
        redis.call('PERSIST', KEYS[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[2], found[4])
        return 1
        """;

    /// <summary>Read one record with its live state. KEYS: record, queued, running, attempts. ARGV: id.</summary>
    public const string Get = """
        local member = redis.call('HGET', KEYS[1], 'q')
        local queued = false
        local running = false
        if member then
          queued = redis.call('ZSCORE', KEYS[2], member)
          running = redis.call('ZSCORE', KEYS[3], member)
        end
        return { redis.call('HGETALL', KEYS[1]), queued, running, redis.call('HGET', KEYS[4], ARGV[1]) }
        """;

    /// <summary>Counts. KEYS: queued, running, dead. ARGV: retention cutoff.</summary>
    public const string Stats = """
        return {
          redis.call('ZCARD', KEYS[1]),
          redis.call('ZCARD', KEYS[2]),
          redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf')
        }
        """;

    /// <summary>
    /// Purge candidates found by a range read. KEYS: completed, dead, then one record per candidate. ARGV: retention
    /// cutoff, then the candidates' ids. Re-checks each under the script's atomicity. Returns how many were removed.
    /// </summary>
    public const string Purge = """
        local removed = 0
        local cutoff = tonumber(ARGV[1])
        for i = 3, #KEYS do
          local id = ARGV[i - 1]
          local index = KEYS[1]
          local score = redis.call('ZSCORE', index, id)
          if not score then
            index = KEYS[2]
            score = redis.call('ZSCORE', index, id)
          end
          if score and tonumber(score) <= cutoff then
            redis.call('ZREM', index, id)
            local found = redis.call('HMGET', KEYS[i], 's', 'x')
            if found[1] and tonumber(found[2]) <= cutoff then
              redis.call('DEL', KEYS[i])
            end
            removed = removed + 1
          end
        end
        return removed
        """;

    /// <summary>
    /// Forget a leased record whose hash is gone (evicted or deleted by hand), so it is not leased again and again.
    /// KEYS: record, queued, running, attempts, tokens. ARGV: id, member.
    /// </summary>
    public const string Forget = """
        if redis.call('HEXISTS', KEYS[1], 'k') == 1 then
          return 0
        end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[2])
        redis.call('ZREM', KEYS[3], ARGV[2])
        redis.call('HDEL', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[5], ARGV[1])
        return 1
        """;
}

using StackExchange.Redis;

namespace DocMap.Client.Redis.Internal;

/// <summary>
/// The inbox's keys under one prefix (which carries the hash tag, so that every key lands in one slot):
/// <list type="table">
/// <item><term><c>{prefix}m:{id}</c></term><description>hash: one record (message fields, body, last failure; when settled also its state, time and attempts). No expiry while queued or running; retention + margin once settled.</description></item>
/// <item><term><c>{prefix}q</c></term><description>sorted set: queued records (15-digit accept sequence + id) by due time (Unix ms).</description></item>
/// <item><term><c>{prefix}r</c></term><description>sorted set: running records (same members) by lease expiry (Unix ms).</description></item>
/// <item><term><c>{prefix}a</c></term><description>hash: attempts of queued and running records (absent = 0).</description></item>
/// <item><term><c>{prefix}t</c></term><description>hash: the current lease token of each running record.</description></item>
/// <item><term><c>{prefix}c</c></term><description>sorted set: completed ids by completion time (Unix ms).</description></item>
/// <item><term><c>{prefix}d</c></term><description>sorted set: dead-lettered ids by dead-letter time (Unix ms).</description></item>
/// <item><term><c>{prefix}n</c></term><description>string: the accept sequence (INCR), which orders records due at the same millisecond.</description></item>
/// </list>
/// </summary>
internal sealed class RedisInboxKeys
{
    private readonly byte[] _recordPrefix;

    public RedisInboxKeys(string prefix)
    {
        Prefix = prefix;
        _recordPrefix = System.Text.Encoding.ASCII.GetBytes(prefix + "m:");
        Queued = prefix + "q";
        Running = prefix + "r";
        Attempts = prefix + "a";
        Tokens = prefix + "t";
        Completed = prefix + "c";
        DeadLettered = prefix + "d";
        Sequence = prefix + "n";
    }

    public string Prefix { get; }

    public RedisKey Queued { get; }

    public RedisKey Running { get; }

    public RedisKey Attempts { get; }

    public RedisKey Tokens { get; }

    public RedisKey Completed { get; }

    public RedisKey DeadLettered { get; }

    public RedisKey Sequence { get; }

    /// <summary>The length of the sequence number that starts each member of the queued and running sets.</summary>
    public const int SequenceLength = 15;

    /// <summary>The record key of a message id (ids are printable ASCII, so the key is plain bytes).</summary>
    public RedisKey Record(string id)
    {
        var key = new byte[_recordPrefix.Length + id.Length];
        _recordPrefix.CopyTo(key, 0);
        System.Text.Encoding.ASCII.GetBytes(id, key.AsSpan(_recordPrefix.Length));
        return key;
    }
}

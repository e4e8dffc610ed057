using System.Globalization;
using Google.Protobuf;
using StackExchange.Redis;

namespace Marketplace.EventBus;

/// <summary>
/// One atomic change of a service's state: the values it read, the writes it stages and the
/// events they imply, committed together by <see cref="UnitOfWorkExecutor"/> in one Lua script,
/// with the operation's "already done" marker. Every read through this type becomes a
/// condition of the commit: if another writer changed the value in between, the commit is
/// refused and the work runs again on fresh values (optimistic concurrency).
/// </summary>
/// <remarks>
/// Used the same way by gRPC command handlers (marker = the client's request id, result = the
/// stored response) and by event handlers (marker = the event id). Read what you need, decide in
/// plain code, stage writes and events; nothing is written until the work returns.
/// </remarks>
public sealed class UnitOfWork
{
    private readonly IDatabase _database;
    private readonly EventBusContext _context;
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, int> _keyIndex = new(StringComparer.Ordinal);
    private readonly List<RedisValue> _conditions = [];
    private readonly List<RedisValue> _writes = [];
    private readonly List<CloudEvent> _events = [];
    private int _conditionCount;
    private int _writeCount;

    internal UnitOfWork(IDatabase database, EventBusContext context, string? operation)
    {
        _database = database;
        _context = context;
        Operation = operation;
    }

    /// <summary>The operation's idempotency key (request or event), or null when it has none.</summary>
    public string? Operation { get; }

    /// <summary>The value stored with the marker and handed back when the same operation comes again.</summary>
    public RedisValue Result { get; private set; } = RedisValue.EmptyString;

    /// <summary>Events staged so far, in order.</summary>
    public IReadOnlyList<CloudEvent> Events => _events;

    // ---- reads (each one becomes a commit condition) ----

    /// <summary>All fields of a hash (empty when the key does not exist).</summary>
    public async Task<IReadOnlyDictionary<string, RedisValue>> ReadHashAsync(string key) =>
        AddHashCondition(key, await _database.HashGetAllAsync(key));

    /// <summary>
    /// All fields of a hash whose every writer changes <paramref name="versionField"/> with each
    /// write (a revision counter): the commit condition is that one field as this read found it,
    /// one HGET in the commit script instead of one per field. Use it only for such a hash; a writer
    /// that leaves the field alone would go unnoticed. A hash read without the field (missing, or
    /// written before its writers kept a revision, or by an older version of them still running
    /// during a rollout) is conditioned as a whole, as <see cref="ReadHashAsync"/> does: nothing
    /// such a writer changes goes unnoticed, and a missing hash costs one HLEN either way.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RedisValue>> ReadVersionedHashAsync(string key, string versionField) =>
        AddVersionedCondition(key, versionField, await _database.HashGetAllAsync(key));

    /// <summary>
    /// <see cref="ReadVersionedHashAsync"/> of several hashes in one pipelined round trip (each one's
    /// condition its <paramref name="versionField"/> as read, or the whole hash without it), in the order given.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyDictionary<string, RedisValue>>> ReadVersionedHashesAsync(IReadOnlyList<string> keys, string versionField) =>
        ReadHashesAsync(keys, (key, entries) => AddVersionedCondition(key, versionField, entries));

    private Dictionary<string, RedisValue> AddVersionedCondition(string key, string versionField, HashEntry[] entries)
    {
        foreach (var entry in entries)
        {
            if (entry.Name == versionField)
            {
                AddCondition("h", key, versionField, entry.Value);
                return Fields(entries);
            }
        }

        return AddHashCondition(key, entries);
    }

    /// <summary>HGETALL of each key in one pipelined round trip; <paramref name="condition"/> records each one's commit condition, in the order given.</summary>
    private async Task<IReadOnlyList<IReadOnlyDictionary<string, RedisValue>>> ReadHashesAsync(
        IReadOnlyList<string> keys, Func<string, HashEntry[], Dictionary<string, RedisValue>> condition)
    {
        var batch = _database.CreateBatch();
        var reads = keys.Select(key => batch.HashGetAllAsync(key)).ToArray();
        batch.Execute();
        await Task.WhenAll(reads);
        var result = new IReadOnlyDictionary<string, RedisValue>[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            result[i] = condition(keys[i], reads[i].Result);
        }

        return result;
    }

    private Dictionary<string, RedisValue> AddHashCondition(string key, HashEntry[] entries)
    {
        int index = KeyIndex(key);
        _conditions.Add("H");
        _conditions.Add(index);
        _conditions.Add(entries.Length);
        foreach (var entry in entries)
        {
            _conditions.Add(entry.Name);
            _conditions.Add(entry.Value);
        }

        _conditionCount++;
        return Fields(entries);
    }

    private static Dictionary<string, RedisValue> Fields(HashEntry[] entries)
    {
        var fields = new Dictionary<string, RedisValue>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            fields[entry.Name!] = entry.Value;
        }

        return fields;
    }

    /// <summary>
    /// All fields of several hashes, read in one pipelined round trip (the same conditions as
    /// <see cref="ReadHashAsync"/> for each, in the order given); empty for a key that does not exist.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyDictionary<string, RedisValue>>> ReadHashesAsync(IReadOnlyList<string> keys) =>
        ReadHashesAsync(keys, AddHashCondition);

    /// <summary>
    /// One field of each of several hashes (null where absent), read in one pipelined round trip:
    /// the same conditions as <see cref="ReadHashFieldAsync"/> for each, in the order given.
    /// </summary>
    public async Task<IReadOnlyList<RedisValue>> ReadHashFieldsAsync(IReadOnlyList<(string Key, string Field)> fields)
    {
        var batch = _database.CreateBatch();
        var reads = fields.Select(f => batch.HashGetAsync(f.Key, f.Field)).ToArray();
        batch.Execute();
        await Task.WhenAll(reads);
        var result = new RedisValue[fields.Count];
        for (int i = 0; i < fields.Count; i++)
        {
            result[i] = reads[i].Result;
            AddCondition("h", fields[i].Key, fields[i].Field, result[i]);
        }

        return result;
    }

    /// <summary>One field of a hash, or null.</summary>
    public async Task<RedisValue> ReadHashFieldAsync(string key, string field)
    {
        var value = await _database.HashGetAsync(key, field);
        AddCondition("h", key, field, value);
        return value;
    }

    /// <summary>A string key's value, or null.</summary>
    public async Task<RedisValue> ReadStringAsync(string key)
    {
        var value = await _database.StringGetAsync(key);
        AddCondition("s", key, null, value);
        return value;
    }

    /// <summary>A sorted-set member's score, or null when it is not a member.</summary>
    public async Task<double?> ReadSortedSetScoreAsync(string key, string member)
    {
        var score = await _database.SortedSetScoreAsync(key, member);
        // The script compares scores as numbers: "R" round-trips the double exactly.
        AddCondition("z", key, member, score is { } value ? value.ToString("R", CultureInfo.InvariantCulture) : RedisValue.Null);
        return score;
    }

    // ---- staged writes ----

    public void HashSet(string key, string field, RedisValue value) => AddWrite("HSET", key, field, value);

    public void HashSet(string key, IEnumerable<KeyValuePair<string, RedisValue>> fields) => AddFieldsWrite("HSET", key, fields);

    public void HashIncrement(string key, string field, long by) => AddWrite("HINCRBY", key, field, by);

    /// <summary>
    /// HINCRBY of several fields of one hash, in order (a field may come more than once): one staged
    /// write, checked field by field and applied as one HSET of the sums, where one write per field
    /// would cost the commit script its own check and command each (running sums are raised a dozen
    /// at a time). Nothing is staged when there is no increment.
    /// </summary>
    public void HashIncrement(string key, IEnumerable<KeyValuePair<string, long>> increments) =>
        AddFieldsWrite("HINCRBY", key, increments.Select(i => KeyValuePair.Create(i.Key, (RedisValue)i.Value)));

    public void HashIncrementFloat(string key, string field, double by) =>
        AddWrite("HINCRBYFLOAT", key, field, by.ToString("R", CultureInfo.InvariantCulture));

    public void HashDelete(string key, string field) => AddWrite("HDEL", key, field);

    public void StringSet(string key, RedisValue value) => AddWrite("SET", key, value);

    public void KeyDelete(string key) => AddWrite("DEL", key);

    public void KeyExpire(string key, TimeSpan after) => AddWrite("PEXPIRE", key, (long)after.TotalMilliseconds);

    public void SortedSetAdd(string key, string member, double score) =>
        AddWrite("ZADD", key, score.ToString("R", CultureInfo.InvariantCulture), member);

    public void SortedSetRemove(string key, string member) => AddWrite("ZREM", key, member);

    /// <summary>ZADD of a member given as bytes (a binary record), not as text.</summary>
    public void SortedSetAdd(string key, byte[] member, double score) =>
        AddWrite("ZADD", key, score.ToString("R", CultureInfo.InvariantCulture), member);

    /// <summary>
    /// XADD of one entry (<paramref name="field"/> = <paramref name="value"/>) with id
    /// <c>&lt;<paramref name="ms"/>&gt;-*</c>, trimming entries older than <paramref name="minIdMs"/>
    /// (MINID): a time-ordered log with its retention. The commit refuses, nothing written, an
    /// <paramref name="ms"/> below <paramref name="minIdMs"/>; one before the stream's last entry is a
    /// conflict (the work runs again and can see that entry).
    /// </summary>
    public void StreamAdd(string key, long ms, long minIdMs, string field, RedisValue value) =>
        AddWrite("XADD", key, "MINID", minIdMs.ToString(CultureInfo.InvariantCulture), ms.ToString(CultureInfo.InvariantCulture) + "-*", field, value);

    /// <summary>ZREM of a member given as bytes (a binary record), not as text.</summary>
    public void SortedSetRemove(string key, byte[] member) => AddWrite("ZREM", key, member);

    public void SetAdd(string key, RedisValue member) => AddWrite("SADD", key, member);

    public void SetRemove(string key, RedisValue member) => AddWrite("SREM", key, member);

    // ---- events and result ----

    /// <summary>
    /// Stages an event of a catalogue type; it is published (through the outbox) only if the
    /// unit commits. Its CloudEvent id is fixed now, so every redelivery carries the same id.
    /// </summary>
    public CloudEvent Publish(string type, string? subject, IMessage payload)
    {
        var info = _context.Catalogue.Get(type);
        var cloudEvent = CloudEvent.Create(_context.AppId, info, _context.Options.PubSubName, subject, payload, _context.Clock);
        _events.Add(cloudEvent);
        return cloudEvent;
    }

    /// <summary>Stores <paramref name="result"/> with the marker (e.g. the serialized gRPC response).</summary>
    public void SetResult(RedisValue result) => Result = result;

    internal (RedisKey[] Keys, RedisValue[] Args) BuildScriptInput()
    {
        string outbox = Names.OutboxKey(_context.AppId);
        var keys = new RedisKey[2 + _keys.Count];
        keys[0] = outbox;
        keys[1] = Operation is null ? outbox : Names.DoneKey(_context.AppId, Operation);
        for (int i = 0; i < _keys.Count; i++)
        {
            keys[i + 2] = _keys[i];
        }

        var args = new List<RedisValue>(8 + _conditions.Count + _writes.Count + (_events.Count * 3))
        {
            Operation is null ? "0" : "1",
            Result,
            (long)_context.Options.IdempotencyRetention.TotalMilliseconds,
            _conditionCount,
        };
        args.AddRange(_conditions);
        args.Add(_writeCount);
        args.AddRange(_writes);
        args.Add(_events.Count);
        foreach (var cloudEvent in _events)
        {
            args.Add(cloudEvent.Topic);
            args.Add(cloudEvent.ToJsonBytes());
            args.Add("{}");
        }

        return (keys, [.. args]);
    }

    private void AddCondition(string kind, string key, string? field, RedisValue value)
    {
        _conditions.Add(kind);
        _conditions.Add(KeyIndex(key));
        if (field is not null)
        {
            _conditions.Add(field);
        }

        _conditions.Add(value.IsNull ? "0" : "1");
        _conditions.Add(value.IsNull ? RedisValue.EmptyString : value);
        _conditionCount++;
    }

    /// <summary>One write of field/value pairs (HSET, HINCRBY); nothing staged when there are none.</summary>
    private void AddFieldsWrite(string command, string key, IEnumerable<KeyValuePair<string, RedisValue>> fields)
    {
        var args = new List<RedisValue>();
        foreach (var (field, value) in fields)
        {
            args.Add(field);
            args.Add(value);
        }

        if (args.Count > 0)
        {
            AddWrite(command, key, [.. args]);
        }
    }

    private void AddWrite(string command, string key, params RedisValue[] args)
    {
        _writes.Add(command);
        _writes.Add(KeyIndex(key));
        _writes.Add(args.Length);
        _writes.AddRange(args);
        _writeCount++;
    }

    /// <summary>1-based index into the script's KEYS (data keys start at 3).</summary>
    private int KeyIndex(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_keyIndex.TryGetValue(key, out int index))
        {
            _keys.Add(key);
            index = _keys.Count + 2;
            _keyIndex.Add(key, index);
        }

        return index;
    }
}

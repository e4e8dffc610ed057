using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Marketplace.Hosting;

/// <summary>
/// Writes a record as a flat Redis hash, one field per fact, in the platform's one set of
/// invariant formats: integers and enums as decimal numbers, booleans as 1/0, times as
/// round-trip ISO 8601 UTC, durations as ticks. Optional facts that are unset are left out.
/// Every service's <c>Store/</c> describes its hash layouts with this and <see cref="HashReader"/>.
/// </summary>
public sealed class HashWriter
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public HashWriter Set(string name, string value)
    {
        _fields[name] = value;
        return this;
    }

    public HashWriter Set(string name, long value) => Set(name, value.ToString(CultureInfo.InvariantCulture));

    public HashWriter Set(string name, double value) => Set(name, value.ToString("R", CultureInfo.InvariantCulture));

    public HashWriter Set(string name, bool value) => Set(name, value ? "1" : "0");

    public HashWriter Set(string name, DateTimeOffset value) => Set(name, value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    public HashWriter Set(string name, TimeSpan value) => Set(name, value.Ticks);

    public HashWriter SetEnum<T>(string name, T value)
        where T : struct, Enum => Set(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));

    /// <summary>Writes the time when there is one; leaves the field out otherwise.</summary>
    public HashWriter SetOptional(string name, DateTimeOffset? value) => value is { } v ? Set(name, v) : this;

    public HashWriter SetOptional(string name, TimeSpan? value) => value is { } v ? Set(name, v) : this;

    public HashWriter SetOptional(string name, long? value) => value is { } v ? Set(name, v) : this;

    public HashWriter SetOptional(string name, string? value) => value is { } v ? Set(name, v) : this;

    public IReadOnlyDictionary<string, string> Fields => _fields;

    /// <summary>The fields as a unit of work or <c>HSET</c> takes them.</summary>
    public IEnumerable<KeyValuePair<string, RedisValue>> Entries =>
        _fields.Select(f => new KeyValuePair<string, RedisValue>(f.Key, f.Value));
}

/// <summary>
/// Reads a hash written by <see cref="HashWriter"/>. A missing required field or a value that
/// does not parse throws <see cref="FormatException"/> naming the record and the field, so
/// corrupt stored data is reported precisely instead of as a wrong value.
/// </summary>
public sealed class HashReader(string record, IReadOnlyDictionary<string, string> fields)
{
    public static HashReader From(string record, IReadOnlyDictionary<string, RedisValue> fields) =>
        new(record, fields.ToDictionary(f => f.Key, f => (string)f.Value!, StringComparer.Ordinal));

    public static HashReader From(string record, HashEntry[] entries) =>
        new(record, entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal));

    /// <summary>
    /// A hash a Lua script returned packed into one string (<c>table.concat(redis.call('HGETALL', key), '\0')</c>):
    /// names and values joined by NUL, which no id, number or field name holds. One bulk string
    /// instead of two per field, for reads that return many hashes at once.
    /// </summary>
    public static HashReader FromPacked(string record, string packed)
    {
        var fields = new Dictionary<string, string>((packed.AsSpan().Count('\0') + 1) / 2, StringComparer.Ordinal);
        var pairs = new PackedHash(record, packed);
        while (pairs.MoveNext())
        {
            fields[FieldName(pairs.Name)] = pairs.Value.ToString();
        }

        return new HashReader(record, fields);
    }

    /// <summary>Field names seen in packed hashes: the platform's layouts have a few dozen, so a read reuses them instead of making each name again.</summary>
    private static readonly ConcurrentDictionary<string, string> FieldNames = new(StringComparer.Ordinal);

    /// <summary>Names kept at most (a hash whose field names are data, not a layout, must not grow the pool without bound).</summary>
    private const int MaxPooledNames = 1024;

    private static string FieldName(ReadOnlySpan<char> name)
    {
        var pooled = FieldNames.GetAlternateLookup<ReadOnlySpan<char>>();
        if (pooled.TryGetValue(name, out var known))
        {
            return known;
        }

        string made = name.ToString();
        if (FieldNames.Count < MaxPooledNames)
        {
            FieldNames.TryAdd(made, made);
        }

        return made;
    }

    public bool IsEmpty => fields.Count == 0;

    /// <summary>The record's name, as errors give it.</summary>
    public string Record => record;

    /// <summary>Every field, for a record that reads its layout in one pass.</summary>
    public IEnumerable<KeyValuePair<string, string>> Fields => fields;

    public bool Has(string name) => fields.ContainsKey(name);

    public string String(string name) =>
        fields.TryGetValue(name, out var value) ? value : throw new FormatException($"{record} field '{name}' is missing");

    public string? OptionalString(string name) => fields.GetValueOrDefault(name);

    public int Int(string name) =>
        int.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(name);

    public long Long(string name) =>
        long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(name);

    public long? OptionalLong(string name) => Has(name) ? Long(name) : null;

    public double Double(string name) =>
        double.TryParse(String(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(name);

    public bool Bool(string name) => String(name) switch
    {
        "1" => true,
        "0" => false,
        _ => throw Bad(name),
    };

    public T Enum<T>(string name)
        where T : struct, Enum => (T)System.Enum.ToObject(typeof(T), Long(name));

    public DateTimeOffset Time(string name) =>
        DateTimeOffset.TryParseExact(String(name), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
            ? value
            : throw Bad(name);

    public DateTimeOffset? OptionalTime(string name) => Has(name) ? Time(name) : null;

    public TimeSpan Duration(string name) => TimeSpan.FromTicks(Long(name));

    public TimeSpan? OptionalDuration(string name) => Has(name) ? Duration(name) : null;

    private FormatException Bad(string name) => new($"{record} field '{name}' has a bad value '{fields[name]}'");
}

/// <summary>
/// The name/value pairs of a hash packed into one string by a read script (names and values joined
/// by NUL, <see cref="HashReader.FromPacked"/>), in order, with no map and no string per field. A name
/// without a value is refused naming the record.
/// </summary>
public ref struct PackedHash
{
    private readonly string _record;
    private ReadOnlySpan<char> _rest;

    public PackedHash(string record, ReadOnlySpan<char> packed)
    {
        _record = record;
        _rest = packed;
    }

    public ReadOnlySpan<char> Name { get; private set; }

    public ReadOnlySpan<char> Value { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length == 0)
        {
            return false;
        }

        int name = _rest.IndexOf('\0');
        if (name < 0)
        {
            throw new FormatException($"{_record}: a field without a value in the packed hash");
        }

        Name = _rest[..name];
        var afterName = _rest[(name + 1)..];
        int value = afterName.IndexOf('\0');
        Value = value < 0 ? afterName : afterName[..value];
        _rest = value < 0 ? [] : afterName[(value + 1)..];
        return true;
    }
}

using System.Collections;
using System.Text;

namespace Marketplace.Grpc;

/// <summary>
/// Custom metadata of a call (request headers, response headers, trailers), as an ordered
/// list of entries like Grpc.Core's <c>Metadata</c>. Keys are lower-case <c>[0-9a-z_.-]</c>;
/// keys ending in <c>-bin</c> carry bytes (base64 on the wire), all others ASCII strings.
/// </summary>
public sealed class Metadata : IReadOnlyList<Metadata.Entry>
{
    /// <summary>Suffix of keys whose values are binary.</summary>
    public const string BinaryHeaderSuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    /// <summary>Adds a string entry. Throws <see cref="ArgumentException"/> naming the rule it breaks.</summary>
    public Metadata Add(string key, string value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    /// <summary>Adds a binary entry; <paramref name="key"/> must end in <c>-bin</c>.</summary>
    public Metadata Add(string key, byte[] valueBytes)
    {
        _entries.Add(new Entry(key, valueBytes));
        return this;
    }

    public void Add(Entry entry) => _entries.Add(entry);

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == key)
            {
                return _entries[i];
            }
        }

        return null;
    }

    /// <summary>The string value of the last entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last binary entry with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key) => _entries.Where(e => e.Key == key);

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Whether a header name may be used for custom metadata: <c>[0-9a-z_.-]+</c>, not <c>grpc-*</c>.</summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length == 0 || key.StartsWith("grpc-", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in key)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Encodes binary metadata for the wire: base64 without padding.</summary>
    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Decodes a binary header value, accepting padded and unpadded base64.</summary>
    /// <exception cref="FormatException">The value is not base64.</exception>
    public static byte[] DecodeBinary(string value)
    {
        int padding = (4 - (value.Length % 4)) % 4;
        if (padding == 3)
        {
            throw new FormatException($"'{value}' is not base64: its length leaves a single trailing character.");
        }

        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }

    /// <summary>One metadata entry: a key with either a string or a binary value.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _bytes;

        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinary)
            {
                throw new ArgumentException($"Metadata key '{Key}' ends in '-bin': give its value as bytes.", nameof(key));
            }

            ArgumentNullException.ThrowIfNull(value);
            foreach (char c in value)
            {
                if (c is < ' ' or > '~')
                {
                    throw new ArgumentException($"Metadata value of '{Key}' must be printable ASCII (use a '-bin' key for other data).", nameof(value));
                }
            }

            _value = value;
        }

        public Entry(string key, byte[] valueBytes)
        {
            Key = NormalizeKey(key);
            if (!IsBinary)
            {
                throw new ArgumentException($"Metadata key '{Key}' must end in '-bin' to carry bytes.", nameof(key));
            }

            _bytes = valueBytes ?? throw new ArgumentNullException(nameof(valueBytes));
        }

        public string Key { get; }

        public bool IsBinary => Key.EndsWith(BinaryHeaderSuffix, StringComparison.Ordinal);

        /// <summary>The string value; for a binary entry, throws.</summary>
        public string Value => _value ?? throw new InvalidOperationException($"Metadata entry '{Key}' is binary: read ValueBytes.");

        /// <summary>The bytes; for a string entry, its ASCII bytes.</summary>
        public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_value!);

        /// <summary>The value as sent in an HTTP/2 header.</summary>
        internal string WireValue => _bytes is null ? _value! : EncodeBinary(_bytes);

        public override string ToString() => IsBinary ? $"{Key}=[{_bytes!.Length} bytes]" : $"{Key}={_value}";

        private static string NormalizeKey(string key)
        {
            ArgumentNullException.ThrowIfNull(key);
            string lower = key.ToLowerInvariant();
            if (!IsValidKey(lower))
            {
                throw new ArgumentException($"Metadata key '{key}' is invalid: use [0-9a-z_.-], not empty, not starting with 'grpc-'.", nameof(key));
            }

            return lower;
        }
    }
}

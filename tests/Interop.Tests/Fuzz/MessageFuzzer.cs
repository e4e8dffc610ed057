using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Marketplace.Interop.Tests.Fuzz;

/// <summary>
/// Random request messages built from the protos' descriptors, seeded so a run can be repeated:
/// every field may be left out or set to an ordinary value, an extreme one (limits of its type,
/// NaN and infinities, out-of-range enum numbers, timestamps and durations beyond their valid
/// range, mixed signs), a long or odd string (control characters, unpaired surrogates' replacement,
/// 70,000 characters), or an id some earlier accepted call used (so some calls reach real state).
/// Repeated fields get from none to thousands of items. Half of the messages are plausible instead:
/// nearly every field set to an ordinary value (known ids, a currency code for a field named so,
/// small counts and amounts, times in the coming weeks, valid enum values), so that some calls are
/// accepted and later ones meet real state. Nothing here knows one RPC from another.
/// </summary>
public sealed class MessageFuzzer(Random random, IReadOnlyList<string> knownIds)
{
    private const int MaxDepth = 4;

    private static readonly string[] Currencies = ["USD", "EUR", "GBP"];

    private bool _plausible;

    public IMessage Next(MessageDescriptor descriptor)
    {
        _plausible = random.Next(2) == 0;
        return Message(descriptor, 0);
    }

    /// <summary>Random bytes for a request body: most do not parse as the request message.</summary>
    public byte[] Bytes()
    {
        var bytes = new byte[random.Next(0, 4) switch { 0 => 0, 1 => random.Next(1, 8), 2 => random.Next(8, 256), _ => random.Next(256, 8192) }];
        random.NextBytes(bytes);
        return bytes;
    }

    private IMessage Message(MessageDescriptor descriptor, int depth)
    {
        if (descriptor.ClrType == typeof(Timestamp))
        {
            return _plausible
                ? Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(random.Next(1, 30 * 24)))
                : new Timestamp { Seconds = Long(), Nanos = Nanos() };
        }

        if (descriptor.ClrType == typeof(Duration))
        {
            return _plausible
                ? Duration.FromTimeSpan(TimeSpan.FromHours(random.Next(1, 72)))
                : new Duration { Seconds = Long(), Nanos = Nanos() };
        }

        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (random.Next(_plausible ? 10 : 4) == 0 || (depth >= MaxDepth && field.FieldType is FieldType.Message or FieldType.Group))
            {
                continue; // left out
            }

            if (field.IsMap)
            {
                continue; // the platform's requests have no maps; a new one is fuzzed once this handles it
            }

            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                int count = _plausible ? random.Next(0, 3) : random.Next(8) switch { 0 => 0, < 6 => random.Next(1, 4), 6 => random.Next(4, 100), _ => random.Next(100, 3000) };
                for (int i = 0; i < count; i++)
                {
                    list.Add(Value(field, depth, inList: true));
                }

                continue;
            }

            field.Accessor.SetValue(message, Value(field, depth, inList: false));
        }

        return message;
    }

    private object Value(FieldDescriptor field, int depth, bool inList) => _plausible ? Plausible(field, depth) : field.FieldType switch
    {
        FieldType.String => String(inList),
        FieldType.Bytes => ByteString.CopyFrom(Bytes()),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Int(),
        FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)Int()),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Long(),
        FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)Long()),
        FieldType.Double => Double(),
        FieldType.Float => (float)Double(),
        FieldType.Enum => Enum(field.EnumType),
        FieldType.Message or FieldType.Group => Message(field.MessageType, depth + 1),
        _ => throw new NotSupportedException($"field type {field.FieldType} of {field.FullName}"),
    };

    private object Plausible(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String when field.Name.Contains("currency", StringComparison.Ordinal) => Currencies[random.Next(Currencies.Length)],
        FieldType.String when field.Name.EndsWith("_id", StringComparison.Ordinal) || field.Name.EndsWith("_ids", StringComparison.Ordinal)
            => random.Next(4) == 0 ? "fz-" + random.NextInt64(1L << 40).ToString("x10", System.Globalization.CultureInfo.InvariantCulture) : knownIds[random.Next(knownIds.Count)],
        FieldType.String => "fuzz " + random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        FieldType.Bytes => ByteString.CopyFrom(Bytes()),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => random.Next(0, 6),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)random.Next(0, 6),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)random.Next(1, 500),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)random.Next(1, 500),
        FieldType.Double => (double)random.Next(1, 11),
        FieldType.Float => (float)random.Next(1, 11),
        FieldType.Enum => System.Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number),
        FieldType.Message or FieldType.Group => Message(field.MessageType, depth + 1),
        _ => throw new NotSupportedException($"field type {field.FieldType} of {field.FullName}"),
    };

    private object Enum(EnumDescriptor type)
    {
        int number = random.Next(5) == 0
            ? Int()
            : type.Values[random.Next(type.Values.Count)].Number;
        return System.Enum.ToObject(type.ClrType, number);
    }

    /// <summary>A string; the 70,000-character one only outside lists, so a request stays within a few MiB.</summary>
    private string String(bool inList) => random.Next(12) switch
    {
        0 => "",
        1 => " ",
        2 => new string('x', inList ? 2_000 : 70_000),
        3 => new string('é', random.Next(100, 2000)),
        4 => "id\u0000with\u0007controls\n",
        5 => "\u202Eright-to-left\uFFFD",
        6 => "'; DROP TABLE orders; --",
        7 or 8 or 9 when knownIds.Count > 0 => knownIds[random.Next(knownIds.Count)],
        _ => "fz-" + random.Next(1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private int Int() => random.Next(8) switch
    {
        0 => 0,
        1 => -1,
        2 => int.MaxValue,
        3 => int.MinValue,
        4 => random.Next(-1000, 1000),
        _ => random.Next(1, 11),
    };

    private long Long() => random.Next(9) switch
    {
        0 => 0,
        1 => -1,
        2 => long.MaxValue,
        3 => long.MinValue,
        4 => 253_402_300_800L,      // 10000-01-01: one second past the last valid Timestamp
        5 => 315_576_000_001L,      // one second past the longest valid Duration
        6 => random.NextInt64(-100_000_000_000L, 100_000_000_000L),
        _ => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + random.Next(-400 * 86_400, 400 * 86_400),
    };

    private int Nanos() => random.Next(6) switch
    {
        0 => -1,
        1 => 1_000_000_000,
        2 => int.MinValue,
        _ => random.Next(0, 1_000_000_000),
    };

    private double Double() => random.Next(10) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => double.MaxValue,
        4 => -double.Epsilon,
        5 => -1,
        6 => 1e18,
        _ => Math.Round(random.NextDouble() * 1000, 2),
    };
}

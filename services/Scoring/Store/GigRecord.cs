using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A Gig as Scoring stores it: the engine's <see cref="GigAggregate"/> (22 integers), the seller,
/// the Gig's category and price band, and <c>rev</c>, raised by every change of any of the Gig's
/// keys, so a unit of work that read this hash fails to commit when another one touched the Gig.
/// The price band and category are those of the Gig's most recently placed order (its current
/// price; ties broken by order id), so the peer group follows the Gig when its price changes.
/// </summary>
public sealed class GigRecord
{
    public required string GigId { get; init; }

    /// <summary>The hash field of <see cref="Revision"/>: the commit condition of a unit of work that read the Gig (<see cref="Marketplace.EventBus.UnitOfWork.ReadVersionedHashAsync"/>).</summary>
    public const string RevisionField = "rev";

    public long Revision { get; set; }

    public string SellerId { get; set; } = "";

    public string Category { get; set; } = "";

    public int PriceBand { get; set; } = -1;

    /// <summary>Creation time (UTC ticks) and id of the order the price band was taken from.</summary>
    public long PriceFromCreatedTicks { get; set; } = long.MinValue;

    public string PriceFromOrder { get; set; } = "";

    /// <summary>
    /// The order the price band was taken from had been delivered (stored as <c>price_dv</c> 1; a hash
    /// written before this field reads as 0, and its next delivered order takes the price).
    /// </summary>
    public bool PriceFromDelivered { get; set; }

    public required GigAggregate Aggregate { get; init; }

    public bool Exists => Revision > 0;

    /// <summary>
    /// The hash was read in the layout before 2026-12-03, the aggregate's 22 integers a field each:
    /// its writer deletes it before writing the current layout (<see cref="ToEntries"/>), so no field
    /// of the old one stays behind.
    /// </summary>
    public bool StoredPerField { get; private init; }

    /// <summary>The hash field holding the aggregate's integers (<see cref="ToEntries"/>).</summary>
    public const string AggregateField = "a";

    /// <summary>The Gig's two peer groups: (band, category) and the band alone (SPEC 5.2); empty before its first order.</summary>
    public IReadOnlyList<PeerGroupKey> Groups =>
        PriceBand < 0 ? [] : [new PeerGroupKey(PriceBand, Category), new PeerGroupKey(PriceBand, null)];

    /// <summary>
    /// Takes the Gig's price band and category from the most recently placed of its <b>delivered</b>
    /// orders; while it has none, from the most recently placed of any (a new Gig needs a peer group
    /// from its first order). An order's place in that order, (delivered, placed at, id), only rises
    /// as its events come (a first delivery is never undone), so the live projection, taking the
    /// greater at each event, and the rebuild, taking the greatest at once, end equal. A buyer who
    /// places a large order and withdraws it ("placed by mistake") no longer moves a Gig that has
    /// delivered work into another band's peer groups: only work the seller delivered sets the price.
    /// </summary>
    public void TakePriceFrom(string orderId, long createdTicks, bool delivered, decimal amountUsd, string category, ScoringPolicy policy)
    {
        int placeInOrder = delivered != PriceFromDelivered
            ? (delivered ? 1 : -1)
            : createdTicks != PriceFromCreatedTicks
                ? createdTicks.CompareTo(PriceFromCreatedTicks)
                : string.CompareOrdinal(orderId, PriceFromOrder);
        if (placeInOrder <= 0 && PriceBand >= 0)
        {
            return;
        }

        PriceFromDelivered = delivered;
        PriceFromCreatedTicks = createdTicks;
        PriceFromOrder = orderId;
        PriceBand = policy.PriceBand(amountUsd);
        Category = category;
    }

    /// <summary>
    /// Whether <paramref name="other"/> scores as this record does: both exist or neither, with the
    /// same seller, peer groups (band and category) and aggregate (sums, landmark, window). The
    /// revision and the order the price came from do not enter a score.
    /// </summary>
    public bool ScoresAs(GigRecord other) =>
        Exists == other.Exists
        && SellerId == other.SellerId
        && PriceBand == other.PriceBand
        && Category == other.Category
        && Aggregate.Equals(other.Aggregate);

    public GigRecord Clone() => new()
    {
        GigId = GigId,
        Revision = Revision,
        SellerId = SellerId,
        Category = Category,
        PriceBand = PriceBand,
        PriceFromCreatedTicks = PriceFromCreatedTicks,
        PriceFromOrder = PriceFromOrder,
        PriceFromDelivered = PriceFromDelivered,
        Aggregate = Aggregate.Clone(),
    };

    /// <summary>The Gig as stored in <see cref="ScoringKeys.Gig"/>; a record that does not exist yet (<see cref="Exists"/> false) for an empty hash.</summary>
    public static GigRecord FromFields(string gigId, HashReader f)
    {
        if (f.IsEmpty)
        {
            return new GigRecord { GigId = gigId, Aggregate = new GigAggregate() };
        }

        var reader = new FieldReader(f.Record);
        foreach (var (name, value) in f.Fields)
        {
            reader.Set(name, value);
        }

        return reader.Build(gigId);
    }

    /// <summary>
    /// <see cref="FromFields"/> from the entries <c>HGETALL</c> returns, in one pass with no map and no
    /// string per number: a rebuild's comparison and the daily evaluation's chunks read 100,000s of Gigs.
    /// </summary>
    public static GigRecord FromEntries(string gigId, HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return new GigRecord { GigId = gigId, Aggregate = new GigAggregate() };
        }

        var reader = new FieldReader($"scoring gig {gigId}");
        Span<char> name = stackalloc char[FieldReader.LongestName];
        foreach (var entry in entries)
        {
            // A name longer than every field of the layout is not one of them (FromFields ignores unknown fields too).
            ReadOnlyMemory<byte> bytes = entry.Name;
            if (bytes.Length <= name.Length)
            {
                reader.Set(name[..Encoding.UTF8.GetChars(bytes.Span, name)], entry.Value);
            }
        }

        return reader.Build(gigId);
    }

    /// <summary>
    /// <see cref="FromFields"/> from a hash a read script packed into one string (names and values
    /// joined by NUL, <see cref="PackedHash"/>), in one pass with no map and no string per number:
    /// every score read parses the Gigs it reads this way.
    /// </summary>
    public static GigRecord FromPacked(string gigId, string packed)
    {
        if (packed.Length == 0)
        {
            return new GigRecord { GigId = gigId, Aggregate = new GigAggregate() };
        }

        string record = $"scoring gig {gigId}";
        var reader = new FieldReader(record);
        var fields = new PackedHash(record, packed);
        while (fields.MoveNext())
        {
            reader.Set(fields.Name, fields.Value);
        }

        return reader.Build(gigId);
    }

    /// <summary>
    /// The one reader of the hash layout (<see cref="ToEntries"/>): each field's value by name, numbers
    /// parsed as they come, then the record with the layout's checks (a missing or bad field throws
    /// <see cref="FormatException"/> naming the record and the field, as <see cref="HashReader"/> does).
    /// </summary>
    private sealed class FieldReader(string record)
    {
        /// <summary>The layout's numbers: the aggregate's (<see cref="GigAggregate.ToHashEntries"/>), then the Gig's own.</summary>
        private static readonly string[] NumberNames =
            [.. new GigAggregate().ToHashEntries().Select(e => e.Key), RevisionField, "band", "price_at", "price_dv"];

        private static readonly FrozenDictionary<string, int> NumberSlots =
            NumberNames.Select((n, i) => (n, i)).ToFrozenDictionary(x => x.n, x => x.i, StringComparer.Ordinal);

        private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> NumberSlotsBySpan =
            NumberSlots.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>How many of <see cref="NumberNames"/> are the aggregate's, first: packed into <see cref="AggregateField"/> since 2026-12-03.</summary>
        private static readonly int AggregateNumbers = new GigAggregate().ToHashEntries().Count;

        /// <summary>Where the areas' (count, weight, weighted) triples start among the aggregate's numbers, after v, L, T and n.</summary>
        public const int AreaNumbers = 4;

        /// <summary>The layout's texts, kept as strings: the seller, the category, the order the price came from.</summary>
        private static readonly string[] TextNames = ["seller", "cat", "price_order"];

        public static readonly int LongestName = NumberNames.Concat(TextNames).Max(n => n.Length);

        private readonly long[] _numbers = new long[NumberNames.Length];
        private readonly string?[] _texts = new string?[TextNames.Length];
        private ulong _present;

        /// <summary>The aggregate came packed: a field of the earlier layout left beside it changes nothing.</summary>
        private bool _packed;

        /// <summary>A field of the earlier layout was read.</summary>
        private bool _perField;

        public bool StoredPerField => _perField;

        public void Set(ReadOnlySpan<char> name, ReadOnlySpan<char> value)
        {
            if (NumberSlotsBySpan.TryGetValue(name, out int slot))
            {
                Keep(slot, long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) ? number : throw Bad(name, value.ToString()));
            }
            else if (name.SequenceEqual(AggregateField))
            {
                KeepAggregate(value);
            }
            else if (TextSlot(name) is int text and >= 0)
            {
                _texts[text] = value.ToString();
            }
        }

        public void Set(ReadOnlySpan<char> name, RedisValue value)
        {
            if (NumberSlotsBySpan.TryGetValue(name, out int slot))
            {
                Keep(slot, value.TryParse(out long number) ? number : throw Bad(name, value.ToString()));
            }
            else if (name.SequenceEqual(AggregateField))
            {
                KeepAggregate(((string?)value).AsSpan());
            }
            else if (TextSlot(name) is int text and >= 0)
            {
                _texts[text] = value;
            }
        }

        private void Keep(int slot, long number)
        {
            if (slot < AggregateNumbers)
            {
                _perField = true;
                if (_packed)
                {
                    return;
                }
            }

            _numbers[slot] = number;
            _present |= 1UL << slot;
        }

        /// <summary>Reads <see cref="PackAggregate"/>'s value into the aggregate's slots (<see cref="NumberNames"/> order).</summary>
        private void KeepAggregate(ReadOnlySpan<char> packed)
        {
            if (CommaNumbers.Parse(packed, _numbers.AsSpan(0, AggregateNumbers), out _) != AggregateNumbers)
            {
                throw new FormatException($"{record} field '{AggregateField}' is not {AggregateNumbers} integers: '{packed}'");
            }

            _present |= (1UL << AggregateNumbers) - 1;

            long firstWeight = _numbers[AreaNumbers + 1];
            for (int area = 0; area < Areas.Count; area++)
            {
                int at = AreaNumbers + (3 * area);
                long weight = area == 0 ? firstWeight : unchecked(_numbers[at + 1] + firstWeight);
                _numbers[at + 1] = weight;
                _numbers[at + 2] = unchecked(weight - _numbers[at + 2]);
            }

            _packed = true;
        }

        private static int TextSlot(ReadOnlySpan<char> name)
        {
            for (int i = 0; i < TextNames.Length; i++)
            {
                if (name.SequenceEqual(TextNames[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        private FormatException Bad(ReadOnlySpan<char> name, string value) => new($"{record} field '{name}' has a bad value '{value}'");

        public GigRecord Build(string gigId)
        {
            long band = Number("band");
            return new GigRecord
            {
                GigId = gigId,
                StoredPerField = StoredPerField,
                Revision = Number(RevisionField),
                SellerId = _texts[0] ?? throw Missing(TextNames[0]),
                Category = _texts[1] ?? throw Missing(TextNames[1]),
                PriceBand = band is >= int.MinValue and <= int.MaxValue ? (int)band : throw new FormatException($"{record} field 'band' has a bad value '{band}'"),
                PriceFromCreatedTicks = Number("price_at"),
                PriceFromOrder = _texts[2] ?? throw Missing(TextNames[2]),
                PriceFromDelivered = OptionalNumber("price_dv") switch
                {
                    null or 0 => false,
                    1 => true,
                    var other => throw new FormatException($"{record} field 'price_dv' has a bad value '{other}'"),
                },
                Aggregate = GigAggregate.FromFields(Number),
            };
        }

        private long Number(string name) => OptionalNumber(name) ?? throw Missing(NumberSlots[name] < AggregateNumbers && !_perField ? AggregateField : name);

        private long? OptionalNumber(string name)
        {
            int slot = NumberSlots[name];
            return (_present & (1UL << slot)) != 0 ? _numbers[slot] : null;
        }

        private FormatException Missing(string name) => new($"{record} field '{name}' is missing");
    }

    /// <summary>
    /// The hash layout: <see cref="AggregateField"/>, the aggregate's 22 integers in one value
    /// (<see cref="PackAggregate"/>), then the Gig's own facts a field each: 8 fields, where a field per
    /// integer made 29 (296 bytes in Redis instead of 456, and a score read's script turns 16
    /// strings into Lua values instead of 58). The fields the scripts read (<c>rev</c>, <c>band</c>,
    /// <c>cat</c>, <c>seller</c>) stay fields of their own. Hashes of the earlier layout are still read
    /// (<see cref="StoredPerField"/>) and replaced whole by their Gig's next change. Numbers stay
    /// numbers to the wire (Redis gets their decimal text, as from a string, with no string made per field).
    /// </summary>
    public KeyValuePair<string, RedisValue>[] ToEntries()
    {
        var entries = new KeyValuePair<string, RedisValue>[8];
        int at = 0;
        entries[at++] = new(AggregateField, PackAggregate(Aggregate));
        entries[at++] = new(RevisionField, Revision);
        entries[at++] = new("seller", SellerId);
        entries[at++] = new("cat", Category);
        entries[at++] = new("band", PriceBand);
        entries[at++] = new("price_at", PriceFromCreatedTicks);
        entries[at++] = new("price_dv", PriceFromDelivered ? 1 : 0);
        entries[at] = new("price_order", PriceFromOrder);
        return entries;
    }

    /// <summary>
    /// The aggregate's 22 integers (<see cref="GigAggregate.ToHashEntries"/>, in that order) separated by
    /// commas, each area's weight but the first written as its difference from the first area's, and
    /// each weighted sum as its shortfall from its weight: areas that every order counts in have the
    /// same weight and an area of index 1 has no shortfall, so most of them are written as 0 (about
    /// 100 characters where the integers take about 190). Differences are taken modulo 2^64, so any
    /// values read back exactly.
    /// </summary>
    public static string PackAggregate(GigAggregate aggregate)
    {
        var entries = aggregate.ToHashEntries();
        Span<long> numbers = stackalloc long[entries.Count];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = entries[i].Value;
        }

        long firstWeight = numbers[FieldReader.AreaNumbers + 1];
        for (int area = Areas.Count - 1; area >= 0; area--)
        {
            int at = FieldReader.AreaNumbers + (3 * area);
            long weight = numbers[at + 1];
            numbers[at + 2] = unchecked(weight - numbers[at + 2]);
            numbers[at + 1] = area == 0 ? weight : unchecked(weight - firstWeight);
        }

        return CommaNumbers.Join(numbers);
    }
}

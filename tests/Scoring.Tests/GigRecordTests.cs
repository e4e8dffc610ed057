using System.Text;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The Gig hash layout read both ways: from a map (<see cref="GigRecord.FromFields"/>, the units of
/// work) and from <c>HGETALL</c>'s entries (<see cref="GigRecord.FromEntries"/>, the bulk reads), one
/// reader behind both: the same record, the same refusals naming the field.
/// </summary>
public sealed class GigRecordTests
{
    private static GigRecord Sample()
    {
        // Every number of the aggregate distinct, each weighted sum within its weight.
        var names = new GigAggregate().ToHashEntries();
        var values = names.Select((e, i) => new KeyValuePair<string, long>(e.Key, e.Key switch
        {
            "v" => e.Value,
            "L" => 1_600_000_000,
            "T" => 1_700_000_000 + i,
            _ when e.Key.StartsWith('x') => 1_000 + i,
            _ => 5_000 + i,
        }));
        return new GigRecord
        {
            GigId = "g-1",
            Revision = 42,
            SellerId = "seller-7",
            Category = "logo-design",
            PriceBand = 3,
            PriceFromCreatedTicks = 638_000_000_000_000_000,
            PriceFromOrder = "o-9",
            PriceFromDelivered = true,
            Aggregate = GigAggregate.FromHashEntries(values),
        };
    }

    /// <summary>As Redis returns them: names and values as bytes.</summary>
    private static HashEntry[] AsStored(IEnumerable<KeyValuePair<string, RedisValue>> fields) =>
        [.. fields.Select(f => new HashEntry(Encoding.UTF8.GetBytes(f.Key), Encoding.UTF8.GetBytes(f.Value.ToString())))];

    /// <summary>As the score read script returns them: every name and value joined by NUL in one string.</summary>
    private static string AsPacked(HashEntry[] stored) =>
        string.Join('\0', stored.SelectMany(e => new[] { (string)e.Name!, (string)e.Value! }));

    private static void AssertSame(GigRecord want, GigRecord got)
    {
        Assert.Equal(want.GigId, got.GigId);
        Assert.Equal(want.Revision, got.Revision);
        Assert.Equal(want.SellerId, got.SellerId);
        Assert.Equal(want.Category, got.Category);
        Assert.Equal(want.PriceBand, got.PriceBand);
        Assert.Equal(want.PriceFromCreatedTicks, got.PriceFromCreatedTicks);
        Assert.Equal(want.PriceFromOrder, got.PriceFromOrder);
        Assert.Equal(want.PriceFromDelivered, got.PriceFromDelivered);
        Assert.Equal(want.Aggregate, got.Aggregate);
        Assert.Equal(want.Aggregate.ToHashEntries(), got.Aggregate.ToHashEntries());
    }

    [Fact]
    public void A_stored_Gig_reads_back_the_same_from_entries_from_a_map_and_packed()
    {
        var gig = Sample();
        var stored = AsStored(gig.ToEntries());
        AssertSame(gig, GigRecord.FromEntries("g-1", stored));
        AssertSame(gig, GigRecord.FromFields("g-1", HashReader.From("scoring gig g-1", stored)));
        AssertSame(gig, GigRecord.FromPacked("g-1", AsPacked(stored)));
    }

    [Fact]
    public void Fields_outside_the_layout_are_ignored_and_an_empty_hash_is_a_Gig_not_yet_stored()
    {
        var gig = Sample();
        var stored = AsStored([.. gig.ToEntries(), new("note", "x"), new(new string('z', 200), "y")]);
        AssertSame(gig, GigRecord.FromEntries("g-1", stored));
        AssertSame(gig, GigRecord.FromPacked("g-1", AsPacked(stored)));
        Assert.False(GigRecord.FromEntries("g-2", []).Exists);
        Assert.False(GigRecord.FromPacked("g-2", "").Exists);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("rev")]
    [InlineData("seller")]
    [InlineData("price_order")]
    public void A_missing_field_is_refused_naming_it_every_way(string field)
    {
        var stored = AsStored(Sample().ToEntries().Where(e => e.Key != field));
        foreach (var read in new Func<GigRecord>[]
        {
            () => GigRecord.FromEntries("g-1", stored),
            () => GigRecord.FromFields("g-1", HashReader.From("scoring gig g-1", stored)),
            () => GigRecord.FromPacked("g-1", AsPacked(stored)),
        })
        {
            var e = Assert.Throws<FormatException>(read);
            Assert.Contains("scoring gig g-1", e.Message, StringComparison.Ordinal);
            Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("band", "three")]
    [InlineData("band", "9999999999")]
    [InlineData("a", "1,2,3")]
    [InlineData("a", "")]
    [InlineData("rev", "")]
    [InlineData("price_dv", "2")]
    public void A_bad_number_is_refused_naming_its_field(string field, string value)
    {
        var stored = AsStored(Sample().ToEntries().Select(e => e.Key == field ? new KeyValuePair<string, RedisValue>(field, value) : e));
        foreach (var read in new Func<GigRecord>[]
        {
            () => GigRecord.FromEntries("g-1", stored),
            () => GigRecord.FromPacked("g-1", AsPacked(stored)),
        })
        {
            var e = Assert.Throws<FormatException>(read);
            Assert.Contains("scoring gig g-1", e.Message, StringComparison.Ordinal);
            Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_aggregate_is_one_field_and_a_bad_number_in_it_is_refused_naming_the_field()
    {
        var gig = Sample();
        var entries = gig.ToEntries();
        Assert.Equal(["a", "rev", "seller", "cat", "band", "price_at", "price_dv", "price_order"], entries.Select(e => e.Key));
        Assert.False(GigRecord.FromEntries("g-1", AsStored(entries)).StoredPerField);

        string packed = entries[0].Value.ToString();
        foreach (var bad in new[] { packed.Replace(",", ",x", StringComparison.Ordinal), packed + ",7", packed[..packed.LastIndexOf(',')], packed.Replace(",", ",1.5,", StringComparison.Ordinal) })
        {
            var stored = AsStored(entries.Select(e => e.Key == "a" ? new KeyValuePair<string, RedisValue>("a", bad) : e));
            var e = Assert.Throws<FormatException>(() => GigRecord.FromEntries("g-1", stored));
            Assert.Contains("scoring gig g-1 field 'a' is not 22 integers", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_aggregate_is_written_as_weight_differences_and_shortfalls_so_a_Gig_without_fault_is_mostly_zeros()
    {
        // Every order counts in every area, every index 1: the weights are equal and nothing falls short.
        var names = new GigAggregate().ToHashEntries();
        var uniform = GigAggregate.FromHashEntries(names.Select(e => new KeyValuePair<string, long>(e.Key, e.Key switch
        {
            "v" => e.Value,
            "L" => 1_600_000_000,
            "T" => 1_700_000_000,
            "n" => 7,
            _ when e.Key.StartsWith('c') => 7,
            _ => 339_976_357_726,
        })));

        string packed = GigRecord.PackAggregate(uniform);

        Assert.Equal("1,1600000000,1700000000,7,7,339976357726,0" + string.Concat(Enumerable.Repeat(",7,0,0", Areas.Count - 1)), packed);
        Assert.True(packed.Length * 2 < string.Join(',', uniform.ToHashEntries().Select(e => e.Value)).Length);
    }

    [Fact]
    public void Any_consistent_aggregate_reads_back_exactly_from_its_packed_value()
    {
        var names = new GigAggregate().ToHashEntries();
        var random = new Random(20261203);
        for (int i = 0; i < 2_000; i++)
        {
            var weights = new Dictionary<string, long>();
            var values = names.Select(e =>
            {
                long value = e.Key switch
                {
                    "v" => e.Value,
                    "L" or "T" => random.Next(3) == 0 ? long.MinValue : random.NextInt64(-1, 4_000_000_000),
                    _ when e.Key.StartsWith('c') || e.Key == "n" => random.Next(3) == 0 ? int.MaxValue : random.Next(0, 1_000),
                    _ when e.Key.StartsWith('w') => weights[e.Key[1..]] = random.Next(4) switch { 0 => long.MaxValue, 1 => 0, _ => random.NextInt64(0, 1L << 62) },
                    _ => random.Next(3) switch { 0 => weights[e.Key[1..]], 1 => 0, _ => random.NextInt64(0, weights[e.Key[1..]] + 1 == long.MinValue ? long.MaxValue : weights[e.Key[1..]] + 1) },
                };
                return new KeyValuePair<string, long>(e.Key, value);
            }).ToList();
            var aggregate = GigAggregate.FromHashEntries(values);
            var gig = Sample();
            var stored = AsStored(gig.ToEntries().Select(e => e.Key == GigRecord.AggregateField ? new KeyValuePair<string, RedisValue>(e.Key, GigRecord.PackAggregate(aggregate)) : e));

            Assert.Equal(values, GigRecord.FromEntries("g-1", stored).Aggregate.ToHashEntries());
            Assert.Equal(values, GigRecord.FromPacked("g-1", AsPacked(stored)).Aggregate.ToHashEntries());
        }
    }

    [Fact]
    public void A_Gig_stored_a_field_per_integer_before_reads_the_same_and_is_marked_for_a_whole_rewrite()
    {
        // Hashes written before 2026-12-03: the aggregate's 22 integers under the engine's names.
        var gig = Sample();
        var perField = gig.Aggregate.ToHashEntries().Select(e => new KeyValuePair<string, RedisValue>(e.Key, e.Value))
            .Concat(gig.ToEntries().Where(e => e.Key != "a"))
            .ToArray();
        var stored = AsStored(perField);

        foreach (var read in new[] { GigRecord.FromEntries("g-1", stored), GigRecord.FromFields("g-1", HashReader.From("scoring gig g-1", stored)), GigRecord.FromPacked("g-1", AsPacked(stored)) })
        {
            AssertSame(gig, read);
            Assert.True(read.StoredPerField);
        }

        // A field of the earlier layout left beside the packed value, before or after it, changes nothing.
        var stale = new KeyValuePair<string, RedisValue>("w0", 1);
        foreach (var mixed in new[] { AsStored([stale, .. gig.ToEntries()]), AsStored([.. gig.ToEntries(), stale]) })
        {
            AssertSame(gig, GigRecord.FromEntries("g-1", mixed));
            AssertSame(gig, GigRecord.FromPacked("g-1", AsPacked(mixed)));
        }
    }

    [Fact]
    public void A_Gig_stored_before_the_delivered_flag_reads_as_priced_by_an_undelivered_order()
    {
        var stored = AsStored(Sample().ToEntries().Where(e => e.Key != "price_dv"));

        Assert.False(GigRecord.FromEntries("g-1", stored).PriceFromDelivered);
        Assert.False(GigRecord.FromPacked("g-1", AsPacked(stored)).PriceFromDelivered);
    }

    /// <summary>
    /// The attack: a buyer places a large order on a Gig with delivered work and withdraws it ("placed
    /// by mistake"), which moved the Gig into another band's peer groups until its next order. Only
    /// delivered work sets the price once there is any; and whatever order the orders' events come in
    /// (the live projection) or all at once (the rebuild), the Gig ends with the same price.
    /// </summary>
    [Fact]
    public void The_price_band_comes_from_the_latest_delivered_order_in_whatever_order_the_events_come()
    {
        var policy = ScoringPolicy.Default;
        var day = TimeSpan.TicksPerDay;
        // (order, placed on day, delivered, USD): o2 is the newest but was never delivered.
        (string Id, long Created, bool Delivered, decimal Usd)[] orders =
            [("o1", 1 * day, true, 120m), ("o2", 3 * day, false, 3_000m), ("o3", 0, true, 40m), ("o4", 2 * day, false, 10m)];

        foreach (var sequence in Permutations(orders))
        {
            var gig = new GigRecord { GigId = "g-1", Aggregate = new GigAggregate() };
            foreach (var (id, created, delivered, usd) in sequence)
            {
                gig.TakePriceFrom(id, created, delivered, usd, "logo-design", policy);
            }

            Assert.Equal(("o1", true, policy.PriceBand(120m)), (gig.PriceFromOrder, gig.PriceFromDelivered, gig.PriceBand));
        }

        // With nothing delivered yet, the newest order prices a new Gig; its first delivered order takes over.
        var fresh = new GigRecord { GigId = "g-2", Aggregate = new GigAggregate() };
        fresh.TakePriceFrom("o2", 3 * day, false, 3_000m, "logo-design", policy);
        fresh.TakePriceFrom("o4", 2 * day, false, 10m, "logo-design", policy);
        Assert.Equal(("o2", policy.PriceBand(3_000m)), (fresh.PriceFromOrder, fresh.PriceBand));
        fresh.TakePriceFrom("o4", 2 * day, true, 10m, "logo-design", policy);
        Assert.Equal(("o4", policy.PriceBand(10m)), (fresh.PriceFromOrder, fresh.PriceBand));
        Assert.NotEqual(policy.PriceBand(3_000m), policy.PriceBand(10m));
    }

    private static IEnumerable<T[]> Permutations<T>(T[] items) =>
        items.Length <= 1
            ? [items]
            : items.SelectMany((first, i) => Permutations([.. items.Take(i), .. items.Skip(i + 1)]).Select(rest => (T[])[first, .. rest]));
}

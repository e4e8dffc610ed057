using System.Globalization;
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

    public long Revision { get; set; }

    public string SellerId { get; set; } = "";

    public string Category { get; set; } = "";

    public int PriceBand { get; set; } = -1;

    /// <summary>Creation time (UTC ticks) and id of the order the price band was taken from.</summary>
    public long PriceFromCreatedTicks { get; set; } = long.MinValue;

    public string PriceFromOrder { get; set; } = "";

    public required GigAggregate Aggregate { get; init; }

    public bool Exists => Revision > 0;

    /// <summary>The Gig's two peer groups: (band, category) and the band alone (SPEC 5.2); empty before its first order.</summary>
    public IReadOnlyList<PeerGroupKey> Groups =>
        PriceBand < 0 ? [] : [new PeerGroupKey(PriceBand, Category), new PeerGroupKey(PriceBand, null)];

    /// <summary>Takes the Gig's price band and category from an order placed later than the one they came from.</summary>
    public void TakePriceFrom(string orderId, long createdTicks, decimal amountUsd, string category, ScoringPolicy policy)
    {
        if (createdTicks < PriceFromCreatedTicks || (createdTicks == PriceFromCreatedTicks && string.CompareOrdinal(orderId, PriceFromOrder) <= 0))
        {
            return;
        }

        PriceFromCreatedTicks = createdTicks;
        PriceFromOrder = orderId;
        PriceBand = policy.PriceBand(amountUsd);
        Category = category;
    }

    public GigRecord Clone() => new()
    {
        GigId = GigId,
        Revision = Revision,
        SellerId = SellerId,
        Category = Category,
        PriceBand = PriceBand,
        PriceFromCreatedTicks = PriceFromCreatedTicks,
        PriceFromOrder = PriceFromOrder,
        Aggregate = Aggregate.Clone(),
    };

    public static GigRecord FromHash(string gigId, IReadOnlyDictionary<string, RedisValue> f)
    {
        if (f.Count == 0)
        {
            return new GigRecord { GigId = gigId, Aggregate = new GigAggregate() };
        }

        long L(string name) => f.TryGetValue(name, out var v) && !v.IsNullOrEmpty
            ? long.Parse((string)v!, CultureInfo.InvariantCulture)
            : throw new FormatException($"gig {gigId}: field '{name}' is missing");
        var aggregate = GigAggregate.FromHashEntries(AggregateFields.Select(name => new KeyValuePair<string, long>(name, L(name))));
        return new GigRecord
        {
            GigId = gigId,
            Revision = L("rev"),
            SellerId = (string?)f.GetValueOrDefault("seller") ?? "",
            Category = (string?)f.GetValueOrDefault("cat") ?? "",
            PriceBand = (int)L("band"),
            PriceFromCreatedTicks = L("price_at"),
            PriceFromOrder = (string?)f.GetValueOrDefault("price_order") ?? "",
            Aggregate = aggregate,
        };
    }

    public IEnumerable<KeyValuePair<string, RedisValue>> ToHash()
    {
        foreach (var (name, value) in Aggregate.ToHashEntries())
        {
            yield return new(name, value);
        }

        yield return new("rev", Revision);
        yield return new("seller", SellerId);
        yield return new("cat", Category);
        yield return new("band", PriceBand);
        yield return new("price_at", PriceFromCreatedTicks);
        yield return new("price_order", PriceFromOrder);
    }

    private static readonly string[] AggregateFields = new GigAggregate().ToHashEntries().Select(e => e.Key).ToArray();
}

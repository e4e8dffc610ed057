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

    /// <summary>The Gig as stored in <see cref="ScoringKeys.Gig"/>; a record that does not exist yet (<see cref="Exists"/> false) for an empty hash.</summary>
    public static GigRecord FromFields(string gigId, HashReader f)
    {
        if (f.IsEmpty)
        {
            return new GigRecord { GigId = gigId, Aggregate = new GigAggregate() };
        }

        return new GigRecord
        {
            GigId = gigId,
            Revision = f.Long(RevisionField),
            SellerId = f.String("seller"),
            Category = f.String("cat"),
            PriceBand = f.Int("band"),
            PriceFromCreatedTicks = f.Long("price_at"),
            PriceFromOrder = f.String("price_order"),
            Aggregate = GigAggregate.FromFields(f.Long),
        };
    }

    /// <summary>
    /// The hash layout: the aggregate's integers under the engine's field names, then the Gig's own
    /// facts. Numbers stay numbers to the wire (Redis gets their decimal text, as from a string, with
    /// no string made per field: every event and every rebuilt Gig writes this).
    /// </summary>
    public KeyValuePair<string, RedisValue>[] ToEntries()
    {
        var aggregate = Aggregate.ToHashEntries();
        var entries = new KeyValuePair<string, RedisValue>[aggregate.Count + 6];
        for (int i = 0; i < aggregate.Count; i++)
        {
            entries[i] = new(aggregate[i].Key, aggregate[i].Value);
        }

        int at = aggregate.Count;
        entries[at++] = new(RevisionField, Revision);
        entries[at++] = new("seller", SellerId);
        entries[at++] = new("cat", Category);
        entries[at++] = new("band", PriceBand);
        entries[at++] = new("price_at", PriceFromCreatedTicks);
        entries[at] = new("price_order", PriceFromOrder);
        return entries;
    }
}

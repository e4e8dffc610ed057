using System.Globalization;
using Marketplace.EventBus;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// The keys of one generation of Scoring's aggregates (issue 13, "Rebuild"): everything that is
/// computed from the orders' facts under a policy — each Gig's hash, its included orders, the
/// contribution each counted order adds, and the peer groups (ranking, sums, means snapshot, the
/// set of groups). Facts (order records, the Gig's order set, the sellers' keys) belong to no
/// generation. Generation 0 is the layout Scoring always had (<see cref="ScoringKeys"/>: the
/// contribution in the order's hash, field <c>c</c>); generation N ≥ 1 lives under
/// <c>scoring:gN:</c>, its contributions in one hash per Gig (order id → contribution), so a rebuild
/// writes a Gig in a few commands. Which generation is live is one field in Redis
/// (<see cref="GenerationState"/>), read by the read script and by every writer's unit of work.
/// </summary>
public sealed class KeySpace
{
    private readonly string _prefix;

    private KeySpace(long generation, string prefix)
    {
        Generation = generation;
        _prefix = prefix;
    }

    public static KeySpace Of(long generation) =>
        generation switch
        {
            < 0 => throw new ArgumentOutOfRangeException(nameof(generation), generation, "a generation is 0 or more"),
            0 => Legacy,
            _ => new KeySpace(generation, string.Create(CultureInfo.InvariantCulture, $"scoring:g{generation}:")),
        };

    /// <summary>Generation 0: the keys of <see cref="ScoringKeys"/>.</summary>
    public static readonly KeySpace Legacy = new(0, "scoring:");

    /// <summary>Where the read script puts the live generation's prefix (<see cref="GenerationMark"/> is replaced by "" or "gN:").</summary>
    public static readonly KeySpace Template = new(-1, "scoring:" + GenerationMark);

    /// <summary>The character the read script replaces by the generation's part of the prefix.</summary>
    public const string GenerationMark = "\u0002";

    public long Generation { get; }

    /// <summary>Hash: the Gig's aggregate, peer group and seller (<see cref="GigRecord"/>).</summary>
    public string Gig(string gigId) => $"{_prefix}gig:{{{gigId}}}";

    /// <summary>Sorted set: the Gig's included orders by outcome time (unix seconds).</summary>
    public string GigIncluded(string gigId) => $"{_prefix}gig:{{{gigId}}}:included";

    /// <summary>Hash (generation ≥ 1): order id → the contribution the order adds to the Gig's sums.</summary>
    public string GigCounted(string gigId) => $"{_prefix}gig:{{{gigId}}}:counted";

    public string PeerRanking(string group) => $"{_prefix}peer:{{{group}}}:ranking";

    public string PeerStats(string group) => $"{_prefix}peer:{{{group}}}:stats";

    public string PeerMeans(string group) => $"{_prefix}peer:{{{group}}}:means";

    /// <summary>Set: the peer groups in use in this generation.</summary>
    public string PeerGroups => $"{_prefix}{{peer-groups}}";

    /// <summary>The hash and field holding the contribution an order adds in this generation.</summary>
    public (string Key, string Field) Contribution(string orderId, string gigId) =>
        Generation == 0 ? (ScoringKeys.Order(orderId), "c") : (GigCounted(gigId), orderId);

    public override string ToString() => $"generation {Generation}";
}

/// <summary>
/// Which generation of the aggregates is live, and which one a rebuild is building (hash
/// <see cref="Key"/>: <c>live</c>, absent = 0; <c>next</c> while a rebuild runs). Every writer reads it
/// in its unit of work, so a commit prepared against the old generation fails after the switch
/// and runs again against the new one; while a rebuild runs, a writer also marks the Gig it
/// changes (<see cref="TouchedKey"/>), and the rebuild recomputes every marked Gig before it switches.
/// </summary>
public sealed record GenerationState(long Live, long? Next)
{
    public const string Key = "scoring:{generation}";

    /// <summary>Set: Gigs changed by events while a rebuild builds <see cref="Next"/>.</summary>
    public const string TouchedKey = "scoring:{generation}:touched";

    /// <summary>
    /// Set: marked Gigs a rebuild has taken from <see cref="TouchedKey"/> and not yet recomputed. A Gig
    /// leaves it only once recomputed, so a replica that dies in between leaves it here for the next
    /// one (taking the marks off the set directly lost them: the Gig kept its state from before the
    /// change in the new generation).
    /// </summary>
    public const string TakenKey = "scoring:{generation}:touched:taken";

    public KeySpace LiveKeys => KeySpace.Of(Live);

    /// <summary>The generation state as a commit condition of <paramref name="work"/>.</summary>
    public static async Task<GenerationState> ReadAsync(UnitOfWork work) => From(await work.ReadHashAsync(Key));

    public static async Task<GenerationState> ReadAsync(IDatabaseAsync db)
    {
        var entries = await db.HashGetAllAsync(Key);
        return From(entries.ToDictionary(e => (string)e.Name!, e => e.Value, StringComparer.Ordinal));
    }

    /// <summary>Marks a changed Gig for the rebuild under way (nothing when none is).</summary>
    public void StageTouched(UnitOfWork work, string gigId)
    {
        if (Next is not null)
        {
            work.SetAdd(TouchedKey, gigId);
        }
    }

    private static GenerationState From(IReadOnlyDictionary<string, RedisValue> fields) => new(
        fields.TryGetValue("live", out var live) ? (long)live : 0,
        fields.TryGetValue("next", out var next) ? (long)next : null);
}

using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// What the scoring engine computes, in memory, from the facts of a set of orders of one peer
/// group: a <see cref="GigLedger"/> per Gig, qualities at the given peer means, the ranking of
/// the scored Gigs, and each Gig's and seller's score. The service must agree with it.
/// </summary>
public sealed class EngineExpectation
{
    private readonly ScoringPolicy _policy;

    public EngineExpectation(IEnumerable<TestOrder> orders, ScoringPolicy policy, PeerMeans? means = null)
    {
        _policy = policy;
        var list = orders.ToList();
        Ledgers = list.GroupBy(o => o.GigId).ToDictionary(g => g.Key, g =>
        {
            var ledger = new GigLedger(g.Key, policy);
            foreach (var order in g)
            {
                ledger.Upsert(order.Facts());
            }

            return ledger;
        });
        SellerOf = list.GroupBy(o => o.GigId).ToDictionary(g => g.Key, g => g.First().SellerId);
        var scored = Ledgers.Values.Where(l => PeerStats.Counts(l.Aggregate, policy)).Select(l => l.Aggregate).ToList();
        Means = means ?? PeerMeans.Uniform(policy.PriorAreaMean);
        StatsMeans = PeerStats.Of(scored, policy).Means(policy);
        Ranking = PeerRanking.Of(scored.Select(a => GigScorer.Quality(a, Means, policy).Quality));
    }

    public IReadOnlyDictionary<string, GigLedger> Ledgers { get; }

    public IReadOnlyDictionary<string, string> SellerOf { get; }

    /// <summary>The means the expectation scores with (the prior until the group's first evaluation).</summary>
    public PeerMeans Means { get; }

    /// <summary>The means the group's next evaluation will snapshot (from the sums of its scored Gigs).</summary>
    public PeerMeans StatsMeans { get; }

    public PeerRanking Ranking { get; }

    public GigScore Gig(string gigId)
    {
        var aggregate = Ledgers[gigId].Aggregate;
        double? inRanking = PeerStats.Counts(aggregate, _policy) ? GigScorer.Quality(aggregate, Means, _policy).Quality : null;
        return GigScorer.Score(aggregate, Means, Ranking, inRanking, _policy);
    }

    public SellerScore Seller(string sellerId) =>
        SellerScore.Of(Ledgers.Keys.Where(g => SellerOf[g] == sellerId).Order(StringComparer.Ordinal).Select(Gig));
}

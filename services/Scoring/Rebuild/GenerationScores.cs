using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using StackExchange.Redis;

namespace Marketplace.Scoring.Rebuild;

/// <summary>
/// Many Gigs of one generation read in bulk, each as the score read script (<see cref="ScoreReads"/>)
/// would find it: the Gig's hash, the group it is ranked in (its category's when that ranking holds at
/// least <see cref="ScoringPolicy.CategoryMinGigs"/> Gigs, else its band's), that group's means snapshot
/// and size, the quality the ranking holds for it and the ranking counts the engine asks about. A
/// group's ranking is read once, whole (its qualities sorted, counted here by binary search), instead
/// of two <c>ZCOUNT</c>s per Gig: the rebuild's comparison scores every Gig of two generations, and
/// read one seller at a time it cost redis-server about 75 µs per seller read (bench/rebuild/README.md).
/// Not one state of Redis: the comparison is a report, and the switch recomputes what events change.
/// </summary>
public sealed class GenerationScores(IDatabase db, KeySpace keys, ScoringPolicy policy)
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>Each of <paramref name="gigIds"/> that exists in this generation, by id.</summary>
    public async Task<Dictionary<string, GigState>> ReadAsync(IReadOnlyCollection<string> gigIds)
    {
        var batch = db.CreateBatch();
        var hashes = gigIds.Select(g => (Id: g, Hash: batch.HashGetAllAsync(keys.Gig(g)))).ToList();
        batch.Execute();
        var gigs = new List<GigRecord>(gigIds.Count);
        foreach (var (id, hash) in hashes)
        {
            var gig = GigRecord.FromFields(id, HashReader.From($"scoring gig {id}", await hash));
            if (gig.Exists)
            {
                gigs.Add(gig);
            }
        }

        await LoadGroupsAsync(gigs.SelectMany(g => g.Groups.Select(k => k.RedisKeySuffix)));
        batch = db.CreateBatch();
        var placed = gigs.Select(gig => (Gig: gig, Group: GroupOf(gig))).ToList();
        var own = placed.Select(p => p.Group is { } group ? batch.SortedSetScoreAsync(keys.PeerRanking(group.RedisKeySuffix), p.Gig.GigId) : Task.FromResult<double?>(null)).ToList();
        batch.Execute();
        var states = new Dictionary<string, GigState>(placed.Count, StringComparer.Ordinal);
        for (int i = 0; i < placed.Count; i++)
        {
            var (gig, key) = placed[i];
            if (key is null)
            {
                states[gig.GigId] = new GigState(gig, null, PeerMeans.Uniform(policy.PriorAreaMean), 0, null, []);
                continue;
            }

            var group = _groups[key.RedisKeySuffix];
            double? ranked = await own[i];
            var counts = new List<RankingCounts>(2);
            if (ranked is { } r)
            {
                counts.Add(group.CountsAt(r));
            }

            var state = new GigState(gig, key, group.Means, group.Qualities.Length, ranked, counts);
            // The quality the engine asks the ranking about when the Gig is ranked (ScoreReads' "needed" probe).
            if (state.IsRanked(policy) && state.Quality(policy) is var quality && !state.HasCounts(quality))
            {
                counts.Add(group.CountsAt(quality));
            }

            states[gig.GigId] = state;
        }

        return states;
    }

    /// <summary>The group the read script ranks <paramref name="gig"/> in; null before its first order has a price.</summary>
    private PeerGroupKey? GroupOf(GigRecord gig)
    {
        if (gig.Groups is not [var inCategory, var band])
        {
            return null;
        }

        return _groups[inCategory.RedisKeySuffix].Qualities.Length >= policy.CategoryMinGigs ? inCategory : band;
    }

    private async Task LoadGroupsAsync(IEnumerable<string> suffixes)
    {
        var missing = suffixes.Distinct(StringComparer.Ordinal).Where(s => !_groups.ContainsKey(s)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var batch = db.CreateBatch();
        var reads = missing.Select(s => (Suffix: s,
            Ranking: batch.SortedSetRangeByRankWithScoresAsync(keys.PeerRanking(s)),
            Means: batch.HashGetAllAsync(keys.PeerMeans(s)))).ToList();
        batch.Execute();
        foreach (var (suffix, ranking, means) in reads)
        {
            var qualities = (await ranking).Select(e => e.Score).ToArray();
            Array.Sort(qualities);
            _groups[suffix] = new Group(qualities, PeerGroupStore.MeansFrom(HashReader.From($"scoring peer means {suffix}", await means), policy));
        }
    }

    /// <summary>A group's ranking (its qualities, sorted) and means snapshot.</summary>
    private sealed record Group(double[] Qualities, PeerMeans Means)
    {
        /// <summary>What <c>ZCOUNT -inf (q</c> and <c>ZCOUNT -inf q</c> answer.</summary>
        public RankingCounts CountsAt(double quality) => new(quality, FirstIndex(q => q >= quality), FirstIndex(q => q > quality));

        private long FirstIndex(Func<double, bool> from)
        {
            int low = 0, high = Qualities.Length;
            while (low < high)
            {
                int middle = low + ((high - low) / 2);
                if (from(Qualities[middle]))
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            return low;
        }
    }
}

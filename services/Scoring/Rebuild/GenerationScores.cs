using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using StackExchange.Redis;

namespace Marketplace.Scoring.Rebuild;

/// <summary>
/// Many Gigs of one generation scored in bulk, each as the score read script (<see cref="ScoreReads"/>)
/// would find it: the Gig's hash, the group it is ranked in (its category's when that ranking holds at
/// least <see cref="ScoringPolicy.CategoryMinGigs"/> Gigs, else its band's), that group's means snapshot
/// and size, the quality the ranking holds for it and the ranking counts the engine asks about. A
/// group's ranking is read once, whole with its qualities (sorted, counted here by binary search; each
/// Gig's own quality looked up), instead of a <c>ZSCORE</c> and two <c>ZCOUNT</c>s per Gig: the
/// rebuild's comparison scores every Gig of two generations, and read one seller at a time it cost
/// redis-server about 75 µs per seller read (bench/rebuild/README.md).
/// Not one state of Redis: the comparison is a report, and the switch recomputes what events change.
/// </summary>
public sealed class GenerationScores
{
    private readonly IDatabase? _db;
    private readonly KeySpace? _keys;
    private readonly IReadOnlyDictionary<string, GigRecord?>? _held;
    private readonly ScoringPolicy _policy;
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>The generation <paramref name="keys"/> as stored in Redis.</summary>
    public GenerationScores(IDatabase db, KeySpace keys, ScoringPolicy policy)
    {
        _db = db;
        _keys = keys;
        _policy = policy;
    }

    private GenerationScores(IReadOnlyDictionary<string, GigRecord?> gigs, ScoringPolicy policy)
    {
        _held = gigs;
        _policy = policy;
    }

    /// <summary>
    /// A generation a rebuild computed in this process and still holds (<see cref="HeldGeneration"/>):
    /// the same states as read back from Redis, without reading them. A group missing from
    /// <paramref name="groups"/> has no ranking and no snapshot, as in Redis.
    /// </summary>
    public static GenerationScores Held(HeldGeneration generation, ScoringPolicy policy)
    {
        var scores = new GenerationScores(generation.Gigs, policy);
        foreach (var (suffix, group) in generation.Groups ?? throw new InvalidOperationException("the held generation has no peer groups yet"))
        {
            scores._groups[suffix] = Group.Of(group.Ranking, group.Means);
        }

        return scores;
    }

    /// <summary>Each of <paramref name="gigIds"/> that exists in this generation, by id.</summary>
    public async Task<Dictionary<string, GigState>> ReadAsync(IReadOnlyCollection<string> gigIds)
    {
        var gigs = await GigsAsync(gigIds);
        await LoadGroupsAsync(gigs.SelectMany(g => g.Groups.Select(k => k.RedisKeySuffix)));
        var states = new Dictionary<string, GigState>(gigs.Count, StringComparer.Ordinal);
        foreach (var gig in gigs)
        {
            if (GroupOf(gig) is not { } key)
            {
                states[gig.GigId] = new GigState(gig, null, PeerMeans.Uniform(_policy.PriorAreaMean), 0, null, []);
                continue;
            }

            var group = _groups[key.RedisKeySuffix];
            double? ranked = group.Ranked.TryGetValue(gig.GigId, out var r) ? r : null;
            var counts = new List<RankingCounts>(2);
            if (ranked is { } own)
            {
                counts.Add(group.CountsAt(own));
            }

            var state = new GigState(gig, key, group.Means, group.Qualities.Length, ranked, counts);
            // The quality the engine asks the ranking about when the Gig is ranked (ScoreReads' "needed" probe).
            if (state.IsRanked(_policy) && state.Quality(_policy) is var quality && !state.HasCounts(quality))
            {
                counts.Add(group.CountsAt(quality));
            }

            states[gig.GigId] = state;
        }

        return states;
    }

    /// <summary>The existing Gigs among <paramref name="gigIds"/>: held, or read from Redis.</summary>
    private async Task<List<GigRecord>> GigsAsync(IReadOnlyCollection<string> gigIds) =>
        _held is not null
            ? [.. gigIds.Select(id => _held.GetValueOrDefault(id)).OfType<GigRecord>()]
            : await ReadStoredAsync(_db!, _keys!, gigIds);

    /// <summary>The existing Gigs among <paramref name="gigIds"/> in generation <paramref name="keys"/>, their hashes read in one pipelined round trip.</summary>
    public static async Task<List<GigRecord>> ReadStoredAsync(IDatabase db, KeySpace keys, IReadOnlyCollection<string> gigIds)
    {
        var batch = db.CreateBatch();
        var hashes = gigIds.Select(g => (Id: g, Hash: batch.HashGetAllAsync(keys.Gig(g)))).ToList();
        batch.Execute();
        var gigs = new List<GigRecord>(gigIds.Count);
        foreach (var (id, hash) in hashes)
        {
            var gig = GigRecord.FromEntries(id, await hash);
            if (gig.Exists)
            {
                gigs.Add(gig);
            }
        }

        return gigs;
    }

    /// <summary>The group the read script ranks <paramref name="gig"/> in; null before its first order has a price.</summary>
    private PeerGroupKey? GroupOf(GigRecord gig)
    {
        if (gig.Groups is not [var inCategory, var band])
        {
            return null;
        }

        return _groups[inCategory.RedisKeySuffix].Qualities.Length >= _policy.CategoryMinGigs ? inCategory : band;
    }

    private async Task LoadGroupsAsync(IEnumerable<string> suffixes)
    {
        var missing = suffixes.Distinct(StringComparer.Ordinal).Where(s => !_groups.ContainsKey(s)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (_db is null)
        {
            // Held: a group the rebuild wrote nothing for (no scored Gig) has no ranking and no snapshot.
            foreach (var suffix in missing)
            {
                _groups[suffix] = Group.Of([], PeerMeans.Uniform(_policy.PriorAreaMean));
            }

            return;
        }

        var batch = _db.CreateBatch();
        var reads = missing.Select(s => (Suffix: s,
            Ranking: batch.SortedSetRangeByRankWithScoresAsync(_keys!.PeerRanking(s)),
            Means: batch.HashGetAllAsync(_keys!.PeerMeans(s)))).ToList();
        batch.Execute();
        foreach (var (suffix, ranking, means) in reads)
        {
            _groups[suffix] = Group.Of([.. (await ranking).Select(e => ((string)e.Element!, e.Score))],
                PeerGroupStore.MeansFrom(HashReader.From($"scoring peer means {suffix}", await means), _policy));
        }
    }

    /// <summary>A group's ranking (its qualities, sorted, and each Gig's own) and means snapshot.</summary>
    private sealed record Group(double[] Qualities, Dictionary<string, double> Ranked, PeerMeans Means)
    {
        public static Group Of(IReadOnlyCollection<(string GigId, double Quality)> ranking, PeerMeans means)
        {
            var ranked = new Dictionary<string, double>(ranking.Count, StringComparer.Ordinal);
            var qualities = new double[ranking.Count];
            int i = 0;
            foreach (var (gigId, quality) in ranking)
            {
                ranked[gigId] = quality;
                qualities[i++] = quality;
            }

            Array.Sort(qualities);
            return new Group(qualities, ranked, means);
        }

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

/// <summary>
/// The generation a rebuild is computing, held in memory by the process that computed all of it
/// (from the orders phase's first batch on): each Gig's record as written (null for a Gig with no
/// hash), then each peer group's means snapshot and ranking as written. The peers phase and the
/// comparison then take it from here instead of reading 100,000 Gig hashes back (a resumed rebuild,
/// or one with more than <see cref="ScoringOptions.RebuildHoldGigs"/> Gigs, reads them).
/// </summary>
public sealed class HeldGeneration
{
    private readonly Dictionary<string, GigRecord?> _gigs = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, GigRecord?> Gigs => _gigs;

    /// <summary>Each group that has a ranking: its means snapshot and its Gigs' qualities; null before the peers phase.</summary>
    public Dictionary<string, (PeerMeans Means, List<(string GigId, double Quality)> Ranking)>? Groups { get; set; }

    /// <summary>Keeps the Gigs a batch wrote (batches run in parallel).</summary>
    public void Put(IEnumerable<GigRecord> gigs)
    {
        lock (_gigs)
        {
            foreach (var gig in gigs)
            {
                _gigs[gig.GigId] = gig.SellerId.Length > 0 ? gig : null;
            }
        }
    }
}

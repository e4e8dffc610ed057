using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A peer group in Redis (docs/scoring.md "In Redis"): the ranking (sorted set of scored Gigs by
/// quality), the running sums of area indices (hash, HINCRBY) and the means snapshot of the last
/// evaluation. Every quality in a ranking is computed at that group's snapshot, so the ranking
/// is always consistent, and it is a function of the Gigs' facts and the snapshot only.
/// </summary>
public sealed class PeerGroupStore(RedisConnection redis, ScoringOptions options)
{
    private ScoringPolicy Policy => options.Policy;

    /// <summary>The group a Gig is ranked in now: its category group when that has enough scored Gigs, else its band.</summary>
    public async Task<PeerGroupKey?> ActiveGroupAsync(GigRecord gig)
    {
        if (gig.PriceBand < 0)
        {
            return null;
        }

        var categoryGroup = new PeerGroupKey(gig.PriceBand, gig.Category);
        long inCategory = await redis.Database.SortedSetLengthAsync(ScoringKeys.PeerRanking(categoryGroup.RedisKeySuffix));
        return inCategory >= Policy.CategoryMinGigs ? categoryGroup : new PeerGroupKey(gig.PriceBand, null);
    }

    /// <summary>The group's means snapshot, read as a commit condition of <paramref name="work"/>.</summary>
    public async Task<PeerMeans> ReadMeansAsync(UnitOfWork work, PeerGroupKey group) =>
        MeansFrom(await work.ReadHashAsync(ScoringKeys.PeerMeans(group.RedisKeySuffix)));

    /// <summary>The group's means snapshot, for queries.</summary>
    public async Task<PeerMeans> GetMeansAsync(PeerGroupKey group)
    {
        var entries = await redis.Database.HashGetAllAsync(ScoringKeys.PeerMeans(group.RedisKeySuffix));
        return MeansFrom(HashFields.Of(entries));
    }

    /// <summary>Number of scored Gigs in the group's ranking (ZCARD).</summary>
    public async Task<long> SizeAsync(PeerGroupKey group) =>
        await redis.Database.SortedSetLengthAsync(ScoringKeys.PeerRanking(group.RedisKeySuffix));

    /// <summary>The ranking counts a percentile needs for one quality: ZCARD and two ZCOUNTs, O(log n) each.</summary>
    public async Task<RankingCounts> CountsAsync(PeerGroupKey group, double quality)
    {
        var key = ScoringKeys.PeerRanking(group.RedisKeySuffix);
        var db = redis.Database;
        var count = db.SortedSetLengthAsync(key);
        var below = db.SortedSetLengthAsync(key, double.NegativeInfinity, quality, Exclude.Stop);
        var atOrBelow = db.SortedSetLengthAsync(key, double.NegativeInfinity, quality);
        return new RankingCounts(quality, await count, await below, await atOrBelow);
    }

    /// <summary>The quality the ranking holds for a Gig, or null when it is not ranked there.</summary>
    public async Task<double?> RankedQualityAsync(PeerGroupKey group, string gigId) =>
        await redis.Database.SortedSetScoreAsync(ScoringKeys.PeerRanking(group.RedisKeySuffix), gigId);

    /// <summary>
    /// Stages what a Gig's change from <paramref name="before"/> to <paramref name="after"/> does to its
    /// peer groups: the sums' deltas (HINCRBY) and the rankings (ZADD at each group's snapshot, or ZREM).
    /// </summary>
    public async Task StageMoveAsync(UnitOfWork work, GigRecord before, GigRecord after)
    {
        var deltas = new Dictionary<string, PeerStats>(StringComparer.Ordinal);
        void AddDelta(PeerGroupKey group, PeerStats delta)
        {
            if (!deltas.TryGetValue(group.RedisKeySuffix, out var sum))
            {
                deltas[group.RedisKeySuffix] = sum = new PeerStats();
            }

            sum.Add(delta);
        }

        foreach (var group in before.Groups)
        {
            AddDelta(group, PeerStats.Delta(before.Aggregate, null, Policy));
        }

        foreach (var group in after.Groups)
        {
            AddDelta(group, PeerStats.Delta(null, after.Aggregate, Policy));
        }

        foreach (var (suffix, delta) in deltas)
        {
            StageStats(work, suffix, delta);
        }

        bool wasScored = PeerStats.Counts(before.Aggregate, Policy);
        bool isScored = PeerStats.Counts(after.Aggregate, Policy);
        foreach (var group in before.Groups.Where(g => wasScored && !(isScored && after.Groups.Contains(g))))
        {
            work.SortedSetRemove(ScoringKeys.PeerRanking(group.RedisKeySuffix), after.GigId);
        }

        if (!isScored)
        {
            return;
        }

        foreach (var group in after.Groups)
        {
            var means = await ReadMeansAsync(work, group);
            var quality = GigScorer.Quality(after.Aggregate, means, Policy).Quality;
            work.SortedSetAdd(ScoringKeys.PeerRanking(group.RedisKeySuffix), after.GigId, quality);
            work.SetAdd(ScoringKeys.PeerGroups, group.RedisKeySuffix);
        }
    }

    /// <summary>
    /// Takes a new means snapshot of one group from its sums and re-ranks every Gig in it at that
    /// snapshot (the daily evaluation). One unit of work: it commits only if no Gig of the group
    /// and no sum changed meanwhile. Returns the number of Gigs ranked.
    /// </summary>
    public async Task<int> StageRefreshAsync(UnitOfWork work, string group, DateTimeOffset now)
    {
        var stats = StatsFrom(await work.ReadHashAsync(ScoringKeys.PeerStats(group)));
        await work.ReadHashAsync(ScoringKeys.PeerMeans(group));
        var means = stats.Means(Policy);
        var rankingKey = ScoringKeys.PeerRanking(group);
        var members = await redis.Database.SortedSetRangeByRankAsync(rankingKey);
        foreach (var member in members)
        {
            string gigId = member!;
            var gig = GigRecord.FromHash(gigId, await work.ReadHashAsync(ScoringKeys.Gig(gigId)));
            work.SortedSetAdd(rankingKey, gigId, GigScorer.Quality(gig.Aggregate, means, Policy).Quality);
        }

        var fields = Areas.All.Select(a => new KeyValuePair<string, RedisValue>($"m{(int)a}", means[a].ToString("R", CultureInfo.InvariantCulture)))
            .Append(new("at", now.ToUnixTimeMilliseconds()))
            .Append(new("gigs", members.Length));
        work.HashSet(ScoringKeys.PeerMeans(group), fields);
        return members.Length;
    }

    private static void StageStats(UnitOfWork work, string group, PeerStats delta)
    {
        var key = ScoringKeys.PeerStats(group);
        foreach (var area in Areas.All)
        {
            if (delta.Count(area) != 0)
            {
                work.HashIncrement(key, $"n{(int)area}", delta.Count(area));
            }

            if (delta.Sum(area) != 0)
            {
                work.HashIncrement(key, $"s{(int)area}", delta.Sum(area));
            }
        }
    }

    private PeerMeans MeansFrom(IReadOnlyDictionary<string, RedisValue> fields)
    {
        if (fields.Count == 0)
        {
            return PeerMeans.Uniform(Policy.PriorAreaMean);
        }

        return new PeerMeans(Areas.All
            .Select(a => double.Parse((string)fields[$"m{(int)a}"]!, NumberStyles.Float, CultureInfo.InvariantCulture))
            .ToArray());
    }

    private static PeerStats StatsFrom(IReadOnlyDictionary<string, RedisValue> fields)
    {
        long Field(string name) => fields.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? (long)v : 0;
        return PeerStats.FromSums(
            Areas.All.Select(a => Field($"n{(int)a}")).ToArray(),
            Areas.All.Select(a => Field($"s{(int)a}")).ToArray());
    }
}

/// <summary>
/// The ranking counts around one quality, read from Redis, as the engine's <see cref="IPeerRanking"/>:
/// it answers only for that quality (the one the engine asks about).
/// </summary>
public sealed record RankingCounts(double Quality, long Count, long Below, long AtOrBelow) : IPeerRanking
{
    public long CountBelow(double quality) => quality == Quality ? Below : throw Unexpected(quality);

    public long CountAtOrBelow(double quality) => quality == Quality ? AtOrBelow : throw Unexpected(quality);

    private InvalidOperationException Unexpected(double quality) =>
        new($"ranking counts were read for quality {Quality:R}, not {quality:R}");
}

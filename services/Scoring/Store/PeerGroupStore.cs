using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A peer group in Redis (docs/scoring.md "In Redis"): the ranking (sorted set of scored Gigs by
/// quality), the running sums of area indices (hash, HINCRBY) and the means snapshot of the last
/// evaluation. Every quality in a ranking is computed at that group's snapshot, so the ranking
/// is always consistent, and it is a function of the Gigs' facts and the snapshot only.
/// </summary>
public sealed class PeerGroupStore(RedisConnection redis, IOptions<ScoringOptions> options)
{
    /// <summary>Gig hashes a group's refresh reads per pipelined round trip.</summary>
    private const int RefreshReadChunk = 1000;

    private ScoringPolicy Policy => options.Value.Policy;

    /// <summary>Every peer group in use in a generation, by key suffix in ordinal order (the daily evaluation walks them).</summary>
    public async Task<IReadOnlyList<string>> AllGroupsAsync(KeySpace keys) =>
        (await redis.Database.SetMembersAsync(keys.PeerGroups)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Stages what a Gig's change from <paramref name="before"/> to <paramref name="after"/> does to its
    /// peer groups: the sums' deltas (HINCRBY) and the rankings (ZADD at each group's snapshot, or ZREM).
    /// </summary>
    public async Task StageMoveAsync(UnitOfWork work, GigRecord before, GigRecord after, KeySpace keys)
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
            StageStats(work, keys.PeerStats(suffix), delta);
        }

        bool wasScored = PeerStats.Counts(before.Aggregate, Policy);
        bool isScored = PeerStats.Counts(after.Aggregate, Policy);
        foreach (var group in before.Groups.Where(g => wasScored && !(isScored && after.Groups.Contains(g))))
        {
            work.SortedSetRemove(keys.PeerRanking(group.RedisKeySuffix), after.GigId);
        }

        if (!isScored)
        {
            return;
        }

        // Both groups' means snapshots in one pipelined round trip, each a commit condition by its
        // revision (MeansRevisionField: every writer of a snapshot raises it), not field by field.
        var groups = after.Groups;
        var snapshots = await work.ReadVersionedHashesAsync(groups.Select(g => keys.PeerMeans(g.RedisKeySuffix)).ToArray(), MeansRevisionField);
        for (int i = 0; i < groups.Count; i++)
        {
            var means = MeansFrom(HashReader.From(MeansName(groups[i].RedisKeySuffix), snapshots[i]), Policy);
            var quality = GigScorer.QualityOf(after.Aggregate, means, Policy);
            work.SortedSetAdd(keys.PeerRanking(groups[i].RedisKeySuffix), after.GigId, quality);
            work.SetAdd(keys.PeerGroups, groups[i].RedisKeySuffix);
        }
    }

    /// <summary>
    /// Takes a new means snapshot of one group from its sums and re-ranks every Gig in it at that
    /// snapshot (the daily evaluation). One unit of work: it commits only if no Gig of the group
    /// (its <c>rev</c>) and no sum changed meanwhile. Returns the group as refreshed (the evaluation history is
    /// staged from it in the same unit of work).
    /// </summary>
    public async Task<GroupRefresh> StageRefreshAsync(UnitOfWork work, string group, DateTimeOffset now, KeySpace keys)
    {
        var stats = StatsFrom(HashReader.From($"scoring peer stats {group}", await work.ReadHashAsync(keys.PeerStats(group))));
        long revision = NextRevision(await work.ReadHashAsync(keys.PeerMeans(group)));
        var means = stats.Means(Policy);
        var rankingKey = keys.PeerRanking(group);
        var members = await redis.Database.SortedSetRangeByRankAsync(rankingKey);
        var ranked = new List<RefreshedGig>(members.Length);
        // The Gigs' hashes in pipelined rounds, not one round trip per Gig; each one's commit condition
        // is its rev (raised by every change of the Gig, GigRecord), as in StageRankChunkAsync: one
        // HGET in the commit script instead of HLEN and one HGET per field (29), and a script input
        // of one field per Gig instead of all of them.
        foreach (var chunk in members.Select(m => (string)m!).Chunk(RefreshReadChunk))
        {
            var hashes = await work.ReadVersionedHashesAsync(chunk.Select(keys.Gig).ToArray(), GigRecord.RevisionField);
            for (int i = 0; i < chunk.Length; i++)
            {
                string gigId = chunk[i];
                var gig = GigRecord.FromFields(gigId, HashReader.From($"scoring gig {gigId}", hashes[i]));
                double quality = GigScorer.QualityOf(gig.Aggregate, means, Policy);
                work.SortedSetAdd(rankingKey, gigId, quality);
                ranked.Add(new RefreshedGig(gig, quality));
            }
        }

        work.HashSet(keys.PeerMeans(group), MeansFields(means, now, members.Length, revision).Entries);
        return new GroupRefresh(group, means, ranked);
    }

    /// <summary>
    /// The first step of a chunked refresh (a group larger than <see cref="ScoringOptions.EvaluationChunkGigs"/>):
    /// the group's new means snapshot from its sums, written alone (the sums and the old snapshot are
    /// commit conditions). From this commit on, every live change ranks its Gig at the new snapshot;
    /// <see cref="StageRankChunkAsync"/> then re-ranks the Gigs already there, a chunk per commit.
    /// Returns the new means.
    /// </summary>
    public async Task<PeerMeans> StageMeansSnapshotAsync(UnitOfWork work, string group, DateTimeOffset now, KeySpace keys)
    {
        var stats = StatsFrom(HashReader.From($"scoring peer stats {group}", await work.ReadHashAsync(keys.PeerStats(group))));
        long revision = NextRevision(await work.ReadHashAsync(keys.PeerMeans(group)));
        var means = stats.Means(Policy);
        long gigs = await redis.Database.SortedSetLengthAsync(keys.PeerRanking(group));
        work.HashSet(keys.PeerMeans(group), MeansFields(means, now, (int)gigs, revision).Entries);
        return means;
    }

    /// <summary>
    /// Re-ranks <paramref name="gigIds"/> of a group at its current means snapshot: one chunk of a
    /// chunked refresh. The commit conditions are the snapshot and each Gig's <c>rev</c> (raised by
    /// every change of the Gig), read before the Gigs' hashes, so a Gig changed after its read fails
    /// the commit as a whole-hash condition would, at a fraction of the script's work. A Gig no longer
    /// ranked in the group (it left it, or stopped being scored, since the chunk was listed) is skipped.
    /// </summary>
    public async Task<IReadOnlyList<RefreshedGig>> StageRankChunkAsync(UnitOfWork work, string group, IReadOnlyList<string> gigIds, KeySpace keys)
    {
        var means = MeansFrom(HashReader.From(MeansName(group), await work.ReadHashAsync(keys.PeerMeans(group))), Policy);
        var rankingKey = keys.PeerRanking(group);
        await work.ReadHashFieldsAsync(gigIds.Select(id => (keys.Gig(id), "rev")).ToArray());
        var batch = redis.Database.CreateBatch();
        var reads = gigIds.Select(id => batch.HashGetAllAsync(keys.Gig(id))).ToArray();
        batch.Execute();
        var hashes = await Task.WhenAll(reads);
        var ranked = new List<RefreshedGig>(gigIds.Count);
        for (int i = 0; i < gigIds.Count; i++)
        {
            var gig = GigRecord.FromEntries(gigIds[i], hashes[i]);
            if (!PeerStats.Counts(gig.Aggregate, Policy) || !gig.Groups.Any(g => g.RedisKeySuffix == group))
            {
                continue;
            }

            double quality = GigScorer.QualityOf(gig.Aggregate, means, Policy);
            work.SortedSetAdd(rankingKey, gig.GigId, quality);
            ranked.Add(new RefreshedGig(gig, quality));
        }

        return ranked;
    }

    /// <summary>The group's running sums raised by <paramref name="delta"/>: one staged write for all of its non-zero fields.</summary>
    private static void StageStats(UnitOfWork work, string key, PeerStats delta)
    {
        var increments = new List<KeyValuePair<string, long>>(2 * Areas.Count);
        foreach (var area in Areas.All)
        {
            if (delta.Count(area) != 0)
            {
                increments.Add(new($"n{(int)area}", delta.Count(area)));
            }

            if (delta.Sum(area) != 0)
            {
                increments.Add(new($"s{(int)area}", delta.Sum(area)));
            }
        }

        work.HashIncrement(key, increments);
    }

    /// <summary>The means snapshot (<c>m0..m5</c>, <c>at</c>, <c>gigs</c>); the policy prior before the group's first evaluation.</summary>
    public static PeerMeans MeansFrom(HashReader fields, ScoringPolicy policy)
    {
        if (fields.IsEmpty)
        {
            return PeerMeans.Uniform(policy.PriorAreaMean);
        }

        // Every score read parses a snapshot: the field names are made once, not per read.
        var means = new double[Areas.Count];
        for (int a = 0; a < means.Length; a++)
        {
            means[a] = fields.Double(MeanFields[a]);
        }

        return new PeerMeans(means);
    }

    /// <summary>The snapshot's field of each area's mean, in area order: <c>m0</c> to <c>m5</c>.</summary>
    private static readonly string[] MeanFields = [.. Areas.All.Select(a => $"m{(int)a}")];

    /// <summary>
    /// The means snapshot's revision: every writer of a snapshot (the daily evaluation's two ways, the
    /// rebuild's new generation) sets it one above the one it replaces, so a live event's commit needs
    /// one condition per group, this field, instead of every field of the snapshot.
    /// </summary>
    public const string MeansRevisionField = "rev";

    /// <summary>The revision a new snapshot replacing <paramref name="snapshot"/> gets (1 for the first, or one written before revisions).</summary>
    private static long NextRevision(IReadOnlyDictionary<string, RedisValue> snapshot) =>
        (snapshot.TryGetValue(MeansRevisionField, out var rev) && rev.TryParse(out long value) ? value : 0) + 1;

    /// <summary>The means snapshot (<c>m0..m5</c>, <c>at</c>, <c>gigs</c>) with its <see cref="MeansRevisionField"/>.</summary>
    public static HashWriter MeansFields(PeerMeans means, DateTimeOffset now, int gigs, long revision)
    {
        var fields = new HashWriter();
        foreach (var area in Areas.All)
        {
            fields.Set(MeanFields[(int)area], means[area]);
        }

        return fields.Set("at", now.ToUnixTimeMilliseconds()).Set("gigs", gigs).Set(MeansRevisionField, revision);
    }

    /// <summary>The running sums (<c>n0..n5</c>, <c>s0..s5</c>, raised with HINCRBY); a field never raised is 0.</summary>
    private static string MeansName(string group) => $"scoring peer means {group}";

    public static PeerStats StatsFrom(HashReader fields) => PeerStats.FromSums(
        Areas.All.Select(a => fields.OptionalLong($"n{(int)a}") ?? 0).ToArray(),
        Areas.All.Select(a => fields.OptionalLong($"s{(int)a}") ?? 0).ToArray());
}

/// <summary>A Gig of a group as the evaluation re-ranked it: its record and its quality at the new snapshot.</summary>
public sealed record RefreshedGig(GigRecord Gig, double Quality);

/// <summary>One group as an evaluation refreshed it: its key suffix, the new means snapshot and its ranked Gigs.</summary>
public sealed record GroupRefresh(string Group, PeerMeans Means, IReadOnlyList<RefreshedGig> Gigs);

using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Redis;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>An order's contribution entering, changing or leaving its Gig's sums, and why (an entry of the change log).</summary>
public sealed record OrderChange(string OrderId, ChangeReason Reason, OrderContribution? Old, OrderContribution? New);

/// <summary>
/// The evaluation history ExplainScoreChange compares (issue 13, services/Scoring/README.md
/// "History"). Each evaluation writes, in the unit of work that refreshes a peer group: the group's
/// size, means snapshot and sorted qualities (<see cref="GroupEvaluation"/>), and for each Gig
/// ranked in that group its <see cref="GigHistoryEntry"/>; the evaluation's time and policy version
/// go to a global index. The change log (<see cref="ChangeLogEntry"/>) is written by
/// <see cref="GigProjection"/> in the commit that changes the sums. Retention
/// (<see cref="ScoringOptions.HistoryRetentionDays"/>) is enforced by the writer: a Gig's entries
/// older than the retention, and its change-log entries no retained evaluation needs, are removed
/// when its next entry is written; a group's snapshots and the index with the evaluation.
/// </summary>
public sealed class EvaluationHistory(RedisConnection redis, IOptions<ScoringOptions> options)
{
    private readonly Lazy<string> _version = new(() => PolicyVersion.Of(options.Value.Policy));

    private ScoringOptions Options => options.Value;

    private ScoringPolicy Policy => Options.Policy;

    /// <summary>The version of the policy this process scores with.</summary>
    public string Version => _version.Value;

    /// <summary>Entries evaluated before this time (unix ms) are past the retention at <paramref name="now"/>.</summary>
    public long CutoffMs(DateTimeOffset now) => (now - Options.HistoryRetention).ToUnixTimeMilliseconds();

    /// <summary>The evaluations in the index that are past the retention at <paramref name="now"/> (unix ms).</summary>
    public async Task<IReadOnlyList<long>> ExpiredAsync(DateTimeOffset now) =>
        (await redis.Database.SortedSetRangeByScoreAsync(ScoringKeys.Evaluations, double.NegativeInfinity, CutoffMs(now), Exclude.Stop))
            .Select(v => long.Parse((string)v!, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Records the evaluation at <paramref name="now"/> with its policy version and that version's numbers (idempotent).</summary>
    public void StageEvaluation(UnitOfWork work, DateTimeOffset now)
    {
        long ms = now.ToUnixTimeMilliseconds();
        string id = ms.ToString(CultureInfo.InvariantCulture);
        work.SortedSetAdd(ScoringKeys.Evaluations, id, ms);
        work.HashSet(ScoringKeys.EvaluationPolicies, id, Version);
        work.HashSet(ScoringKeys.Policies, Version, ScoringNumbers.Of(Policy).ToJson());
    }

    /// <summary>Takes expired evaluations out of the index (after every group has dropped their snapshots).</summary>
    public static void StageForget(UnitOfWork work, IReadOnlyList<long> expired)
    {
        foreach (var ms in expired)
        {
            string id = ms.ToString(CultureInfo.InvariantCulture);
            work.SortedSetRemove(ScoringKeys.Evaluations, id);
            work.HashDelete(ScoringKeys.EvaluationPolicies, id);
        }
    }

    /// <summary>
    /// Stages one refreshed group's part of the evaluation at <paramref name="now"/>: its snapshot
    /// (replacing one of the same time), the removal of its snapshots of <paramref name="expired"/>
    /// evaluations, and the entry of every Gig ranked in this group (the category group once it has
    /// CategoryMinGigs Gigs, else the band alone, as the score reads decide), trimming that Gig's
    /// older entries and change log. An evaluation repeated at the same time adds a second entry
    /// of that time; reads take the last.
    /// </summary>
    public async Task StageGroupAsync(UnitOfWork work, GroupRefresh refresh, DateTimeOffset now, IReadOnlyList<long> expired, KeySpace keys)
    {
        StageGroupSnapshot(work, refresh, now, expired);
        if (refresh.Gigs.Count > 0)
        {
            await StageGigEntriesAsync(work, refresh, Percentile.OfAll(refresh.Gigs.Select(g => g.Quality).ToList()), 0, refresh.Gigs.Count, now, keys);
        }
    }

    /// <summary>A refreshed group's snapshot at <paramref name="now"/> (size, means, sorted qualities), replacing one of the same time, and the removal of its expired ones.</summary>
    public static void StageGroupSnapshot(UnitOfWork work, GroupRefresh refresh, DateTimeOffset now, IReadOnlyList<long> expired)
    {
        long ms = now.ToUnixTimeMilliseconds();
        work.StringSet(ScoringKeys.PeerEvaluation(refresh.Group, ms), GroupEvaluation.ToBytes(refresh.Means, refresh.Gigs.Select(g => g.Quality).ToList()));
        foreach (var old in expired.Where(old => old != ms))
        {
            work.KeyDelete(ScoringKeys.PeerEvaluation(refresh.Group, old));
        }
    }

    /// <summary>
    /// The history entries of <c>refresh.Gigs[from .. from + count)</c>, each Gig ranked in this group
    /// (the category group once it has CategoryMinGigs Gigs, else the band alone, as the score reads
    /// decide) at its percentile among all of the group's Gigs (<paramref name="percentiles"/>, aligned
    /// with <c>refresh.Gigs</c>), trimming the Gig's older entries and change log. A chunked refresh
    /// stages its Gigs' entries a chunk per commit.
    /// </summary>
    public async Task StageGigEntriesAsync(UnitOfWork work, GroupRefresh refresh, IReadOnlyList<double> percentiles, int from, int count, DateTimeOffset now, KeySpace keys)
    {
        long ms = now.ToUnixTimeMilliseconds();
        var categorySizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var entries = new List<(string GigId, GigHistoryEntry Entry)>();
        for (int i = from; i < from + count; i++)
        {
            var (gig, quality) = (refresh.Gigs[i].Gig, refresh.Gigs[i].Quality);
            if (await RankedInAsync(gig, refresh.Group, refresh.Gigs.Count, categorySizes, keys))
            {
                entries.Add((gig.GigId, new GigHistoryEntry(ms, gig.Revision, refresh.Group, quality, percentiles[i], gig.Aggregate)));
            }
        }

        // The Gigs' trim reads, a read-only script per chunk of Gigs, the chunks pipelined; staged in the Gigs' order.
        long cutoff = CutoffMs(now);
        var trims = await Task.WhenAll(entries.Chunk(TrimReadChunk).Select(chunk => TrimReadAsync(chunk, cutoff)));
        int at = 0;
        foreach (var reply in trims.SelectMany(t => t))
        {
            StageGig(work, entries[at].GigId, entries[at].Entry, cutoff, (RedisResult[])reply!);
            at++;
        }
    }

    /// <summary>Gigs whose history trims one script reads (<see cref="TrimScript"/>).</summary>
    private const int TrimReadChunk = 200;

    /// <summary>
    /// Stages a Gig's entry: XADD to its history stream with id &lt;evaluation ms&gt;-*, trimming the
    /// entries older than <paramref name="cutoffMs"/> (MINID), and the removal of the change-log
    /// entries no kept evaluation needs (at or below the revision of the oldest one kept).
    /// <paramref name="reply"/> is what <see cref="TrimReadAsync"/> read for it.
    /// </summary>
    private static void StageGig(UnitOfWork work, string gigId, GigHistoryEntry entry, long cutoffMs, RedisResult[] reply)
    {
        var historyKey = ScoringKeys.GigHistory(gigId);
        var changesKey = ScoringKeys.GigChanges(gigId);
        if ((long)reply[0] > entry.EvaluatedMs)
        {
            return; // a later evaluation (run concurrently) has written this Gig's entry: the history stays in time order
        }

        foreach (var member in (RedisResult[])reply[1]!)
        {
            work.SortedSetRemove(changesKey, (byte[])member!);
        }

        work.StreamAdd(historyKey, entry.EvaluatedMs, Math.Min(cutoffMs, entry.EvaluatedMs), GigHistoryEntry.Field, entry.ToBytes());
    }

    /// <summary>For each of <paramref name="gigs"/>, its last entry time and the change-log entries to drop with its new entry (<see cref="TrimScript"/>).</summary>
    private async Task<RedisResult[]> TrimReadAsync(IReadOnlyList<(string GigId, GigHistoryEntry Entry)> gigs, long cutoffMs)
    {
        var keys = new RedisKey[2 * gigs.Count];
        var args = new RedisValue[1 + gigs.Count];
        args[0] = cutoffMs;
        for (int i = 0; i < gigs.Count; i++)
        {
            keys[2 * i] = ScoringKeys.GigHistory(gigs[i].GigId);
            keys[(2 * i) + 1] = ScoringKeys.GigChanges(gigs[i].GigId);
            args[1 + i] = gigs[i].Entry.Revision;
        }

        return (RedisResult[])(await TrimScript.EvaluateReadOnlyAsync(redis.Database, keys, args))!;
    }

    /// <summary>Stages the change-log entries of one change of a Gig (its <c>rev</c> after the change is <paramref name="revision"/>).</summary>
    public static void StageChanges(UnitOfWork work, string gigId, long revision, IReadOnlyList<OrderChange> changes)
    {
        int index = 0;
        foreach (var change in changes)
        {
            foreach (var entry in ChangeLogEntry.Of(revision, index, change.OrderId, change.Reason, change.Old, change.New))
            {
                work.SortedSetAdd(ScoringKeys.GigChanges(gigId), entry.ToBytes(), revision);
                index = entry.Index + 1;
            }
        }
    }

    /// <summary>Whether the score reads rank <paramref name="gig"/> in <paramref name="group"/> (the rule of <see cref="PeerGroupKey.Resolve"/>).</summary>
    private async Task<bool> RankedInAsync(GigRecord gig, string group, int groupSize, Dictionary<string, long> categorySizes, KeySpace keys)
    {
        var groups = gig.Groups;
        if (groups.Count != 2)
        {
            return false;
        }

        string category = groups[0].RedisKeySuffix;
        if (group == category)
        {
            return groupSize >= Policy.CategoryMinGigs;
        }

        if (group != groups[1].RedisKeySuffix)
        {
            return false;
        }

        if (!categorySizes.TryGetValue(category, out long size))
        {
            categorySizes[category] = size = await redis.Database.SortedSetLengthAsync(keys.PeerRanking(category));
        }

        return size < Policy.CategoryMinGigs;
    }

    /// <summary>
    /// Per Gig i, KEYS[2i-1] its history stream and KEYS[2i] its change log; ARGV[1] the cutoff (ms),
    /// ARGV[1+i] the Gig's new entry's revision. Replies, per Gig, {the time of the last entry (0
    /// without one), the change-log entries at or below the revision of the oldest entry kept (the
    /// first at or after the cutoff, else the new one)}.
    /// </summary>
    private static readonly RedisScript TrimScript = new("""
        local replies = {}
        for i = 1, #KEYS / 2 do
          local history, changes = KEYS[2 * i - 1], KEYS[2 * i]
          local oldest = tonumber(ARGV[1 + i])
          local kept = redis.call('XRANGE', history, ARGV[1], '+', 'COUNT', 1)
          if kept[1] then
            local rev = tonumber(string.match(kept[1][2][2], '^%d+ (%d+) '))
            if rev < oldest then oldest = rev end
          end
          local last = redis.call('XREVRANGE', history, '+', '-', 'COUNT', 1)
          local lastMs = last[1] and tonumber(string.match(last[1][1], '^(%d+)%-')) or 0
          replies[i] = { lastMs, redis.call('ZRANGE', changes, '-inf', oldest, 'BYSCORE') }
        end
        return replies
        """);
}

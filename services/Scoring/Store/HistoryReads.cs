using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>One evaluation of a Gig as a read found it: its entry, its group then (size and means; null once trimmed) and the policy it ran under.</summary>
public sealed record HistoryPoint(GigHistoryEntry Entry, long? GroupSize, PeerMeans? Means, string PolicyVersion, ScoringNumbers? Numbers);

/// <summary>
/// What an explanation of one Gig needs, from one state: the Gig's seller, how many evaluations its
/// history holds, the two evaluations compared and the change-log entries between them
/// (<see cref="ChangesCut"/> when there were more than asked for).
/// </summary>
public sealed record HistoryRead(string SellerId, long Evaluations, HistoryPoint? Before, HistoryPoint? After, IReadOnlyList<ChangeLogEntry> Changes, bool ChangesCut);

/// <summary>The counts of a group's sorted qualities at an evaluation: its size and, per probe, the Gigs below and at or below it.</summary>
public sealed record GroupCounts(long Size, IReadOnlyList<(double Quality, long Below, long AtOrBelow)> Probes) : IPeerRanking
{
    public long Count => Size;

    public long CountBelow(double quality) => At(quality).Below;

    public long CountAtOrBelow(double quality) => At(quality).AtOrBelow;

    private (double Quality, long Below, long AtOrBelow) At(double quality)
    {
        foreach (var probe in Probes)
        {
            if (probe.Quality == quality)
            {
                return probe;
            }
        }

        throw new InvalidOperationException($"the group's evaluation was not counted at quality {quality:R}");
    }
}

/// <summary>
/// The history reads of ExplainScoreChange (issue 13): one read-only script takes a Gig's two
/// evaluations, their groups' sizes and means, their policies and the change log between them, so
/// the answer comes from one state; a second one counts the earlier group's qualities around the
/// qualities the explanation probes (binary search over the stored sorted qualities, O(log n)).
/// Like <see cref="ScoreReads"/>, the scripts build keys from what they read (single primary only).
/// </summary>
public sealed class HistoryReads(RedisConnection redis)
{
    /// <summary>Most change-log entries one explanation reads.</summary>
    public const int MaxChanges = 10_000;

    private static readonly (string Prefix, string Middle) GroupKey = SplitGroupKey();

    /// <summary>
    /// The Gig's evaluations at or before <paramref name="toMs"/> (null: the last) and at or before
    /// <paramref name="fromMs"/> (null: the one before the first); null when Scoring does not know the Gig.
    /// </summary>
    public async Task<HistoryRead?> GigAsync(string gigId, long? fromMs, long? toMs)
    {
        // The Gig's hash of the live generation of the aggregates (a rebuild may have switched it).
        var live = (await GenerationState.ReadAsync(redis.Database)).LiveKeys;
        var reply = (RedisResult[])(await redis.Database.ScriptEvaluateReadOnlyAsync(GigScript,
            [live.Gig(gigId), ScoringKeys.GigHistory(gigId), ScoringKeys.GigChanges(gigId)],
            [Ms(fromMs), Ms(toMs), GroupKey.Prefix, GroupKey.Middle, ScoringKeys.EvaluationPolicies, ScoringKeys.Policies, MaxChanges, GroupEvaluation.HeadBytes]))!;
        if ((long)reply[0] == 0)
        {
            return null;
        }

        var changes = ((RedisResult[])reply[5]!).Select(m => ChangeLogEntry.Parse((byte[])m!)).ToList();
        bool cut = changes.Count > MaxChanges;
        return new HistoryRead((string)reply[1]!, (long)reply[2], Point(reply[3]), Point(reply[4]), cut ? changes[..MaxChanges] : changes, cut);
    }

    /// <summary>The group's counts at evaluation <paramref name="evaluatedMs"/> around <paramref name="qualities"/>; null when that snapshot is no longer kept.</summary>
    public async Task<GroupCounts?> CountsAsync(string group, long evaluatedMs, IReadOnlyList<double> qualities)
    {
        var reply = (RedisResult[])(await redis.Database.ScriptEvaluateReadOnlyAsync(CountScript,
            [ScoringKeys.PeerEvaluation(group, evaluatedMs)],
            [GroupEvaluation.HeadBytes, .. qualities.Select(q => (RedisValue)GroupEvaluation.Probe(q))]))!;
        if ((long)reply[0] < 0)
        {
            return null;
        }

        var probes = qualities.Select((q, i) => (q, (long)reply[1 + 2 * i], (long)reply[2 + 2 * i])).ToList();
        return new GroupCounts((long)reply[0], probes);
    }

    /// <summary>Whether Scoring knows the seller, and their Gigs in id order.</summary>
    public async Task<(bool Known, IReadOnlyList<string> Gigs)> SellerGigsAsync(string sellerId)
    {
        var batch = redis.Database.CreateBatch();
        var known = batch.SetContainsAsync(ScoringKeys.Sellers, sellerId);
        var gigs = batch.SetMembersAsync(ScoringKeys.SellerGigs(sellerId));
        batch.Execute();
        return (await known, (await gigs).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The platform's evaluations at or before <paramref name="toMs"/> (null: any), latest first, at most <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<long>> EvaluationsAsync(long? toMs, int count) =>
        (await redis.Database.SortedSetRangeByScoreAsync(ScoringKeys.Evaluations, double.NegativeInfinity, toMs ?? double.PositiveInfinity,
            Exclude.None, Order.Descending, 0, count))
        .Select(v => long.Parse((string)v!, CultureInfo.InvariantCulture)).ToList();

    private static RedisValue Ms(long? ms) => ms is { } v ? v.ToString(CultureInfo.InvariantCulture) : "";

    private static HistoryPoint? Point(RedisResult result)
    {
        if (result.IsNull || result.Resp2Type == ResultType.Integer)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        var entry = GigHistoryEntry.Parse((byte[])parts[0]!);
        var head = GroupEvaluation.ParseHead((byte[]?)parts[1]);
        string version = (string?)parts[2] ?? "";
        return new HistoryPoint(entry, head?.Size, head?.Means, version, ScoringNumbers.FromJson((string?)parts[3]));
    }

    private static (string Prefix, string Middle) SplitGroupKey()
    {
        string key = ScoringKeys.PeerEvaluation("\u0001", 0);
        int slot = key.IndexOf('\u0001', StringComparison.Ordinal);
        return (key[..slot], key[(slot + 1)..^1]);
    }

    /// <summary>
    /// KEYS: the Gig's hash, history and change log. ARGV: from and to (unix ms, '' = default), the
    /// group snapshot key's prefix and middle (prefix .. group .. middle .. ms), the evaluations'
    /// policy hash, the policies hash, the most change-log entries to return, the snapshot head's
    /// length. Replies {0} for an unknown Gig, else {1, seller, number of evaluations, before or
    /// false, after or false, change-log entries (at most one more than asked)}, an evaluation
    /// being {entry, its group's snapshot head, policy version, policy numbers}.
    /// </summary>
    private const string GigScript = """
        local from, to = ARGV[1], ARGV[2]
        local prefix, middle, evalPolicies, policies = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
        local maxChanges, head = tonumber(ARGV[7]), tonumber(ARGV[8])
        local seller = redis.call('HGET', KEYS[1], 'seller')
        if not seller then return { 0 } end

        local function latest(bound)
          local r = redis.call('XREVRANGE', KEYS[2], bound, '-', 'COUNT', 1)
          return r[1] and r[1][2][2] or false
        end
        local function parts(entry)
          local ms, rev, len = string.match(entry, '^(%d+) (%d+) (%d+) ')
          local at = #ms + #rev + #len + 4
          return ms, rev, string.sub(entry, at, at + tonumber(len) - 1)
        end
        local function point(entry)
          if not entry then return false end
          local ms, _, group = parts(entry)
          local version = redis.call('HGET', evalPolicies, ms) or ''
          local numbers = ''
          if version ~= '' then numbers = redis.call('HGET', policies, version) or '' end
          return { entry, redis.call('GETRANGE', prefix .. group .. middle .. ms, 0, head - 1), version, numbers }
        end

        local after = latest(to == '' and '+' or to)
        local before = false
        if after then
          local afterMs = parts(after)
          if from == '' then before = latest('(' .. afterMs .. '-0') else before = latest(from) end
        end

        local changes = {}
        if before and after then
          local _, fromRev = parts(before)
          local _, toRev = parts(after)
          if tonumber(fromRev) < tonumber(toRev) then
            changes = redis.call('ZRANGE', KEYS[3], '(' .. fromRev, toRev, 'BYSCORE', 'LIMIT', 0, maxChanges + 1)
          end
        end
        return { 1, seller, redis.call('XLEN', KEYS[2]), point(before), point(after), changes }
        """;

    /// <summary>
    /// KEYS[1] a group's snapshot at one evaluation. ARGV: the head's length, then each probe as a
    /// big-endian double. Replies {-1} when the snapshot is gone, else {size, below, at or below, ...}.
    /// </summary>
    private const string CountScript = """
        local key, head = KEYS[1], tonumber(ARGV[1])
        local length = redis.call('STRLEN', key)
        if length < head then return { -1 } end
        local size = (length - head) / 8
        local function at(i)
          local v = struct.unpack('>d', redis.call('GETRANGE', key, head + 8 * i, head + 8 * i + 7))
          return v
        end
        local function count(q, strict)
          local lo, hi = 0, size
          while lo < hi do
            local mid = math.floor((lo + hi) / 2)
            local v = at(mid)
            if (strict and v < q) or ((not strict) and v <= q) then lo = mid + 1 else hi = mid end
          end
          return lo
        end
        local out = { size }
        for i = 2, #ARGV do
          local q = struct.unpack('>d', ARGV[i])
          table.insert(out, count(q, true))
          table.insert(out, count(q, false))
        end
        return out
        """;
}

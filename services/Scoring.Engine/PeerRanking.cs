namespace Marketplace.Scoring.Engine;

/// <summary>
/// Counts over the qualities of a peer group's scored Gigs. The service implements it on a
/// Redis sorted set per group (member = Gig id, score = quality): <see cref="Count"/> = ZCARD,
/// <see cref="CountBelow"/> = ZCOUNT key -inf (q, <see cref="CountAtOrBelow"/> = ZCOUNT key -inf q,
/// each O(log n). <see cref="PeerRanking"/> is the in-memory implementation.
/// </summary>
public interface IPeerRanking
{
    long Count { get; }
    long CountBelow(double quality);
    long CountAtOrBelow(double quality);
}

/// <summary>
/// The percentile of SPEC 5.2, defined for ties and tiny groups: with n scored Gigs (this one
/// included), b of them strictly below and e equal (this one included),
/// percentile = (b + (e − 1)/2) / (n − 1) — the mid-rank, so equal qualities get equal scores,
/// the best Gig gets 1 and the worst 0; a Gig alone in its group gets 0.5.
/// </summary>
public static class Percentile
{
    /// <summary>The percentile from the three counts; bad counts throw naming the rule.</summary>
    public static double From(long below, long equal, long count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "count must include the Gig itself (>= 1)");
        if (equal < 1) throw new ArgumentOutOfRangeException(nameof(equal), "equal must include the Gig itself (>= 1)");
        if (below < 0 || below + equal > count) throw new ArgumentOutOfRangeException(nameof(below), "below + equal must be <= count");
        return count == 1 ? 0.5 : (below + (equal - 1) / 2.0) / (count - 1);
    }

    /// <summary>
    /// The percentile of a Gig at <paramref name="quality"/>, where the ranking currently holds it
    /// at <paramref name="qualityInRanking"/> (null when it is not in the ranking yet, e.g. a
    /// newly scored Gig or a what-if). The ranking itself is not changed.
    /// </summary>
    public static double Of(IPeerRanking ranking, double quality, double? qualityInRanking)
    {
        var below = ranking.CountBelow(quality);
        var equal = ranking.CountAtOrBelow(quality) - below;
        var count = ranking.Count;
        if (qualityInRanking is { } old)
        {
            if (old < quality) below--;
            else if (old == quality) equal--;
            count--;
        }
        return From(below, equal + 1, count + 1);
    }

    /// <summary>
    /// Percentiles of every Gig of a group at once, index-aligned with <paramref name="qualities"/>:
    /// one sort and one linear pass over runs of equal qualities, O(n log n) in all. The daily
    /// evaluation uses this; single Gigs between evaluations use <see cref="Of"/>.
    /// </summary>
    public static double[] OfAll(IReadOnlyList<double> qualities)
    {
        var n = qualities.Count;
        var keys = new double[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(qualities[i])) throw new ArgumentException("qualities must be finite numbers", nameof(qualities));
            keys[i] = qualities[i];
            order[i] = i;
        }
        Array.Sort(keys, order);
        var result = new double[n];
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            var p = From(start, end - start, n);
            for (var j = start; j < end; j++) result[order[j]] = p;
            start = end;
        }
        return result;
    }

    /// <summary>The success score shown: 1 + 9 × percentile, one decimal (half away from zero).</summary>
    public static double ToScore(double percentile) => Round1(1 + 9 * percentile);

    internal static double Round1(double x) => Math.Round(x, 1, MidpointRounding.AwayFromZero);
}

/// <summary>
/// An immutable, sorted snapshot of a peer group's qualities: built in O(n log n), each count in
/// O(log n) by binary search. Used for what-if, replay, tests and the ranking benchmark.
/// </summary>
public sealed class PeerRanking : IPeerRanking
{
    private readonly double[] _sorted;

    private PeerRanking(double[] sorted) => _sorted = sorted;

    /// <summary>An empty group.</summary>
    public static PeerRanking Empty { get; } = new([]);

    /// <summary>Builds the snapshot; qualities must be finite.</summary>
    public static PeerRanking Of(IEnumerable<double> qualities)
    {
        var sorted = qualities.ToArray();
        foreach (var q in sorted)
            if (!double.IsFinite(q)) throw new ArgumentException("qualities must be finite numbers", nameof(qualities));
        Array.Sort(sorted);
        return new PeerRanking(sorted);
    }

    public long Count => _sorted.Length;

    public long CountBelow(double quality) => LowerBound(quality);

    public long CountAtOrBelow(double quality) => UpperBound(quality);

    private int LowerBound(double q)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] < q) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private int UpperBound(double q)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] <= q) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}

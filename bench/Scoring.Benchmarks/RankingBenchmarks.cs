using BenchmarkDotNet.Attributes;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Benchmarks;

/// <summary>
/// Ranking a peer group of 1,000,000 Gigs: all at once (the daily evaluation), or one Gig at a time
/// with O(log n) queries on a sorted snapshot (as between evaluations), against a baseline that
/// only sorts a copy of the qualities.
/// </summary>
public class RankingBenchmarks
{
    private const int Gigs = 1_000_000;
    private double[] _qualities = [];
    private PeerRanking _ranking = PeerRanking.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        // Qualities rounded to 1e-4 so that ties occur, as they do between Gigs with identical histories.
        _qualities = Enumerable.Range(0, Gigs).Select(_ => Math.Round(random.NextDouble(), 4)).ToArray();
        _ranking = PeerRanking.Of(_qualities);
    }

    [Benchmark(Baseline = true)]
    public double SortOnly()
    {
        var copy = (double[])_qualities.Clone();
        Array.Sort(copy);
        return copy[Gigs / 2];
    }

    [Benchmark]
    public double BuildRanking() => PeerRanking.Of(_qualities).Count;

    /// <summary>Every Gig's percentile from an existing snapshot, one query at a time: 1,000,000 × two O(log n) searches.</summary>
    [Benchmark]
    public double PercentileOfEveryGig()
    {
        var sum = 0.0;
        foreach (var q in _qualities) sum += Percentile.Of(_ranking, q, q);
        return sum;
    }

    /// <summary>The daily job for one group: the percentile and score of all 1,000,000 Gigs (one sort, one pass).</summary>
    [Benchmark]
    public double RankOneMillionGigs()
    {
        var percentiles = Percentile.OfAll(_qualities);
        var sum = 0.0;
        foreach (var p in percentiles) sum += Percentile.ToScore(p);
        return sum;
    }
}

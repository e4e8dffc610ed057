using System.Collections.Concurrent;
using Grpc.Core;

namespace Marketplace.Simulation;

/// <summary>An attempt the integrity rules close, and what the platform answered.</summary>
public sealed record AttemptTally(string Attempt, int Refused, int Accepted, string Example);

/// <summary>A call that did not answer as the plan expected.</summary>
public sealed record Failure(string Order, int Slot, Act Act, Party By, StatusCode Status, string Detail);

/// <summary>What happened while a plan ran: calls by outcome, attempts, failures, latencies per service, clock stops, lag.</summary>
public sealed class RunRecord
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Refused, int Accepted, string Example)> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Failure> _failures = new();
    private readonly ConcurrentDictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
    private long _calls;
    private int _failed;

    public DateTimeOffset Started { get; set; }

    public DateTimeOffset Finished { get; set; }

    public TimeSpan Wall { get; set; }

    /// <summary>Times the clock stopped at a due time or slot on its way.</summary>
    public int ClockStops { get; set; }

    public int ClockRounds { get; set; }

    /// <summary>Wall time spent moving the clock (loops and consumers catching up) and making the slots' calls.</summary>
    public TimeSpan ClockTime { get; set; }

    public TimeSpan CallTime { get; set; }

    /// <summary>The most events waiting for a consumer seen right after a slot's calls.</summary>
    public long WorstLag { get; set; }

    public long Calls => Interlocked.Read(ref _calls);

    public int FailureCount => Volatile.Read(ref _failed);

    /// <summary>The first failures (at most 50 are kept).</summary>
    public IReadOnlyList<Failure> Failures => [.. _failures];

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public IReadOnlyList<AttemptTally> Attempts =>
        [.. _attempts.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new AttemptTally(a.Key, a.Value.Refused, a.Value.Accepted, a.Value.Example))];

    internal void Count(string what) => _counts.AddOrUpdate(what, 1, (_, n) => n + 1);

    internal void Attempt(string attempt, bool refused, string answer) =>
        _attempts.AddOrUpdate(attempt, _ => refused ? (1, 0, answer) : (0, 1, answer),
            (_, t) => refused ? (t.Refused + 1, t.Accepted, t.Example) : (t.Refused, t.Accepted + 1, answer));

    internal void Fail(PlannedOrder order, Step step, StatusCode status, string detail)
    {
        if (Interlocked.Increment(ref _failed) <= 50)
        {
            _failures.Enqueue(new Failure(order.Label, step.Slot, step.Act, step.By, status, detail));
        }
    }

    internal void Latency(string service, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _calls);
        var list = _latencies.GetOrAdd(service, _ => []);
        lock (list)
        {
            list.Add(elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Calls, p50 and p99 in ms per service.</summary>
    public IReadOnlyList<(string Service, int Calls, double P50, double P99)> LatencyByService()
    {
        var rows = new List<(string, int, double, double)>();
        foreach (var (service, list) in _latencies.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            double[] sorted;
            lock (list)
            {
                sorted = [.. list];
            }

            Array.Sort(sorted);
            rows.Add((service, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99)));
        }

        return rows;
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

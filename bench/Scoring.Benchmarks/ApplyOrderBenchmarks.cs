using BenchmarkDotNet.Attributes;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Benchmarks;

/// <summary>
/// Cost per order applied to a Gig aggregate (OperationsPerInvoke = orders, so figures are per order),
/// against an in-process baseline that adds the same number of integers to a plain array.
/// </summary>
public class ApplyOrderBenchmarks
{
    private const int Orders = 1024;
    private readonly ScoringPolicy _policy = ScoringPolicy.Default;
    private OrderFacts[] _facts = [];
    private OrderContribution[] _contributions = [];
    private long[][] _plain = [];
    private long _landmark;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _facts = Enumerable.Range(0, Orders).Select(i =>
        {
            var created = t0.AddHours(random.Next(0, 600 * 24));
            var due = created.AddDays(random.Next(1, 8));
            return new OrderFacts
            {
                OrderId = $"o{i}",
                GigId = "g",
                AmountUsd = random.Next(5, 2000),
                CreatedAt = created,
                DueAt = due,
                FirstDeliveryAt = due.AddHours(-random.Next(0, 20) + random.Next(0, 24)),
                CompletedAt = due.AddDays(3),
                Review = random.Next(3) == 0 ? null : new ReviewFacts(random.Next(1, 6), random.Next(1, 6), random.Next(1, 6), random.Next(1, 6), random.Next(2) == 0),
                PrivateRating = random.Next(4) == 0 ? null : random.Next(0, 11),
                DisputeOpened = random.Next(10) == 0,
                SellerResponseHours = random.Next(0, 30),
            };
        }).ToArray();
        _landmark = ForwardDecay.LandmarkFor(_facts.Max(f => f.OutcomeAt!.Value).ToUnixTimeSeconds(), _policy);
        _contributions = _facts.Select(f => OrderContribution.From(f, _policy, _landmark)).ToArray();
        _plain = _contributions.Select(c => Areas.All.SelectMany(a => new[] { c.Weight(a), c.Weighted(a) }).ToArray()).ToArray();
    }

    /// <summary>Baseline: add 12 integers per order into an array (the arithmetic floor of an aggregate update).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Orders)]
    public long PlainArraySum()
    {
        Span<long> sums = stackalloc long[12];
        foreach (var row in _plain)
            for (var j = 0; j < 12; j++) sums[j] += row[j];
        return sums[0] + sums[11];
    }

    /// <summary>Adding a precomputed contribution (what the service does after reading the order's stored contribution).</summary>
    [Benchmark(OperationsPerInvoke = Orders)]
    public long AggregateAdd()
    {
        var aggregate = new GigAggregate();
        aggregate.StartAt(_landmark);
        foreach (var c in _contributions) aggregate.Add(c);
        return aggregate.WeightSum(Area.ConflictFree);
    }

    /// <summary>An order applied from its facts: area indices, forward-decay weight, fixed-point contribution, add.</summary>
    [Benchmark(OperationsPerInvoke = Orders)]
    public long ApplyOrderFromFacts()
    {
        var aggregate = new GigAggregate();
        aggregate.StartAt(_landmark);
        foreach (var f in _facts) aggregate.Add(OrderContribution.From(f, _policy, _landmark));
        return aggregate.WeightSum(Area.ConflictFree);
    }

    /// <summary>A correction: replace an order's contribution by its new one (e.g. a review arrived).</summary>
    [Benchmark(OperationsPerInvoke = Orders)]
    public long ReplaceContribution()
    {
        var aggregate = new GigAggregate();
        aggregate.StartAt(_landmark);
        var previous = _contributions[0];
        aggregate.Add(previous);
        foreach (var c in _contributions)
        {
            aggregate.Replace(previous, c);
            previous = c;
        }
        return aggregate.WeightSum(Area.ConflictFree);
    }
}

using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using EngineLevelMetrics = Marketplace.Scoring.Engine.LevelMetrics;
using OrderCancellationInitiator = Marketplace.Contracts.Orders.V1.CancellationInitiator;
using OrderCancellationReason = Marketplace.Contracts.Orders.V1.CancellationReason;
using ProtoLevelMetrics = Marketplace.Contracts.Scoring.V1.LevelMetrics;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 16: every score read answers from one committed state of Redis. Score, seller-score and
/// level reads run without pause while order events commit one by one and evaluations re-rank the
/// group; every answer must equal what the engine computes from one of the states committed while
/// the read was in flight: never an exception, never a mix of the states before and after a commit.
/// </summary>
public sealed class ConsistentReadTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] Sellers = ["seller-1", "seller-2", "seller-3"];

    /// <summary>Seller 1 has three Gigs, seller 2 two, seller 3 one; all in one peer group (band [100,250)).</summary>
    private static readonly (string Gig, string Seller)[] Gigs =
        [("g1", "seller-1"), ("g2", "seller-1"), ("g3", "seller-1"), ("g4", "seller-2"), ("g5", "seller-2"), ("g6", "seller-3")];

    private const int EventsPerChunk = 8;

    [Fact]
    public async Task Reads_during_commits_answer_from_one_committed_state()
    {
        // One worker: the orders topic is applied in stream order, one event per commit, so the
        // committed states are exactly the plan's states, in order.
        await using var scoring = await ScoringHarness.StartAsync(new Dictionary<string, string?> { ["EventBus:Workers"] = "1" });
        var policy = scoring.Policy;
        var (setup, stream) = Plan();
        await scoring.DeliverAsync(setup);

        // The steps after the setup: each order's events, and an evaluation after every chunk of events.
        var steps = new List<Step>();
        foreach (var chunk in stream.SelectMany(o => o.Events().Select(e => (Order: o, Event: e))).Chunk(EventsPerChunk))
        {
            steps.AddRange(chunk.Select(c => new Step(c.Order, c.Event)));
            steps.Add(new Step(null, null));
        }

        var states = Expected(setup, steps, policy);
        int committed = 0; // every state up to this one has committed
        int published = 0; // no state after this one has begun to commit
        var failures = new ConcurrentQueue<string>();
        int reads = 0, readsAcrossCommits = 0;
        using var done = new CancellationTokenSource();

        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            for (int i = r; !done.IsCancellationRequested; i++)
            {
                var target = Targets[i % Targets.Length];
                int lo = Volatile.Read(ref committed);
                IMessage? answer = null;
                try
                {
                    answer = await ReadAsync(scoring, target);
                }
                catch (RpcException e)
                {
                    failures.Enqueue($"{target}: {e.StatusCode} {e.Status.Detail}");
                    continue;
                }

                int hi = Volatile.Read(ref published);
                Interlocked.Increment(ref reads);
                if (hi > lo)
                {
                    Interlocked.Increment(ref readsAcrossCommits);
                }

                if (!Enumerable.Range(lo, hi - lo + 1).Any(s => states[s][target].Equals(answer)))
                {
                    failures.Enqueue($"{target} read between states {lo} and {hi} matches none of them: {answer}");
                }
            }
        })).ToList();

        int step = 0;
        foreach (var chunk in steps.Chunk(EventsPerChunk + 1))
        {
            var events = chunk.Where(s => s.Event is not null).Select(s => s.Event!.Value).ToList();
            Volatile.Write(ref published, step + events.Count);
            await scoring.PublishAsync(events);
            await scoring.CaughtUpAsync();
            step += events.Count;
            Volatile.Write(ref committed, step);

            Volatile.Write(ref published, step + 1);
            await scoring.RunEvaluationAsync();
            step++;
            Volatile.Write(ref committed, step);
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(steps.Count, step);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {reads} reads failed; first ones:\n{string.Join("\n", failures.Take(8))}");
        Assert.True(readsAcrossCommits > 0, "no read ran while a commit was under way");

        // Quiet again: every read answers the last state exactly (the expectations are the engine's).
        foreach (var target in Targets)
        {
            Assert.Equal(states[^1][target], await ReadAsync(scoring, target));
        }
    }

    /// <summary>
    /// Issue 16's target: one Redis round trip per score or level read (the read script); what-if
    /// takes two (its projected quality is known only once the Gig's orders are read).
    /// </summary>
    [Fact]
    public async Task Score_and_level_reads_take_one_round_trip_each()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(ScoreTests.Group());
        await scoring.RunEvaluationAsync();
        var seller = Authorization(ScoringHarness.Bearer("seller-a", CallerRole.Seller));
        var buyer = Authorization(ScoringHarness.Bearer("buyer-9", CallerRole.Buyer));
        var whatIf = new WhatIfRequest
        {
            GigId = "a1",
            Orders = { new HypotheticalOrder { Count = 3, Amount = new Contracts.Common.V1.Money { CurrencyCode = "USD", AmountMinor = 12_000 }, OnTime = true } },
        };

        async Task<RedisCall> CallAsync(Func<Task> call)
        {
            await call();
            return scoring.RedisCalls.Calls[^1];
        }

        // Twice: the first calls may load the script, the later ones run it by its hash.
        for (int pass = 1; pass <= 2; pass++)
        {
            var reads = new[]
            {
                await CallAsync(() => scoring.Client.GetGigScoreAsync(new GetGigScoreRequest { GigId = "a1" }, seller).ResponseAsync), // scored
                await CallAsync(() => scoring.Client.GetGigScoreAsync(new GetGigScoreRequest { GigId = "a2" }, seller).ResponseAsync), // not enough orders
                await CallAsync(() => scoring.Client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = "seller-a" }, seller).ResponseAsync),
                await CallAsync(() => scoring.Client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = "seller-a" }, seller).ResponseAsync), // with metrics
                await CallAsync(() => scoring.Client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = "seller-a" }, buyer).ResponseAsync), // the level only
            };
            foreach (var read in reads)
            {
                Assert.True(read.RoundTrips == 1, $"pass {pass}: {read}");
            }

            var projection = await CallAsync(() => scoring.Client.WhatIfAsync(whatIf, seller).ResponseAsync);
            Assert.True(projection.RoundTrips <= 2, $"pass {pass}: {projection}");
        }
    }

    /// <summary>
    /// A ranking entry at another quality than the one the engine computes for the Gig now (as after
    /// a policy change, until the Gig's next event or evaluation): the read counts the ranking again
    /// at the Gig's own quality, a second round trip, and the answer is the engine's for that ranking.
    /// </summary>
    [Fact]
    public async Task A_Gig_ranked_at_another_quality_is_scored_from_counts_at_its_own()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        var expected = new EngineExpectation(orders, scoring.Policy);
        var ranking = ScoringKeys.PeerRanking(new PeerGroupKey(scoring.Policy.PriceBand(120m), null).RedisKeySuffix);
        // b1 is the group's worst Gig; its stale entry puts it above every other.
        const double stale = 0.999;
        Assert.NotNull(await scoring.Db.SortedSetScoreAsync(ranking, "b1"));
        await scoring.Db.SortedSetAddAsync(ranking, "b1", stale);

        var got = await scoring.GigScoreAsync("b1", "seller-b");

        var stored = await scoring.Db.SortedSetRangeByRankWithScoresAsync(ranking);
        var want = GigScorer.Score(expected.Ledgers["b1"].Aggregate, expected.Means, PeerRanking.Of(stored.Select(e => e.Score)), stale, scoring.Policy);
        Assert.Equal(0, want.Percentile);
        Assert.Equal(want.Percentile, got.Percentile);
        Assert.Equal(want.Score, got.SuccessScore);
        Assert.Equal(2, scoring.RedisCalls.Calls[^1].RoundTrips);
    }

    private static readonly string[] Targets =
        [.. Gigs.Select(g => "gig " + g.Gig), .. Sellers.Select(s => "seller " + s), .. Sellers.Select(s => "level " + s)];

    /// <summary>One step after the setup: an order's event (with the order as it stands once the event is applied), or an evaluation.</summary>
    private sealed record Step(TestOrder? Order, (IMessage Payload, string Subject)? Event);

    /// <summary>
    /// The setup gives every Gig two completed orders (no score yet: the stream's first order of each
    /// Gig makes it scored); the stream then places and ends six orders more per Gig, some late, some
    /// disputed, some cancelled by the seller, from a handful of buyers.
    /// </summary>
    private static (IReadOnlyList<TestOrder> Setup, IReadOnlyList<TestOrder> Stream) Plan()
    {
        var random = new Random(16);
        int n = 0;
        TestOrder Next(string gig, string seller)
        {
            int i = n++;
            var order = new TestOrder
            {
                OrderId = $"o{i:D3}",
                GigId = gig,
                SellerId = seller,
                BuyerId = $"buyer-{random.Next(9)}",
                CreatedAt = T0.AddDays(i),
                DeliveredAfter = TimeSpan.FromDays(new[] { 4, 6, 7, 9, 12 }[random.Next(5)]),
                Disputes = random.Next(5) == 0 ? 1 : 0,
            };
            return random.Next(8) == 0
                ? order with { DeliveredAfter = null, Disputes = 0, Cancelled = (OrderCancellationInitiator.Seller, OrderCancellationReason.SellerUnableToDeliver, false) }
                : order;
        }

        var setup = Gigs.SelectMany(g => new[] { Next(g.Gig, g.Seller), Next(g.Gig, g.Seller) }).ToList();
        var stream = Enumerable.Range(0, 6).SelectMany(_ => Gigs.OrderBy(_ => random.Next()).Select(g => Next(g.Gig, g.Seller))).ToList();
        return (setup, stream);
    }

    /// <summary>
    /// The answers of every state, computed by the engine: state 0 after the setup, state k after
    /// step k. An order's first event (placed) adds it without an outcome, its second its final
    /// facts; an evaluation takes the means snapshot from the scored Gigs' sums.
    /// </summary>
    private static List<Dictionary<string, IMessage>> Expected(IReadOnlyList<TestOrder> setup, IReadOnlyList<Step> steps, ScoringPolicy policy)
    {
        var orders = setup.ToDictionary(o => o.OrderId);
        var means = PeerMeans.Uniform(policy.PriorAreaMean);
        var states = new List<Dictionary<string, IMessage>> { Answers(orders.Values, means, policy) };
        foreach (var step in steps)
        {
            if (step.Order is { } order)
            {
                orders[order.OrderId] = orders.ContainsKey(order.OrderId) ? order : Placed(order);
            }
            else
            {
                means = new EngineExpectation(orders.Values, policy, means).StatsMeans;
            }

            states.Add(Answers(orders.Values, means, policy));
        }

        return states;
    }

    private static TestOrder Placed(TestOrder order) => order with { DeliveredAfter = null, Completed = false, Disputes = 0, Cancelled = null };

    private static Dictionary<string, IMessage> Answers(IEnumerable<TestOrder> orders, PeerMeans means, ScoringPolicy policy)
    {
        var list = orders.ToList();
        var expected = new EngineExpectation(list, policy, means);
        var group = new PeerGroupKey(policy.PriceBand(120m), null);
        var scored = Gigs.ToDictionary(g => g.Gig, g => new ScoredGig(
            new GigRecord { GigId = g.Gig, SellerId = g.Seller, Aggregate = expected.Ledgers[g.Gig].Aggregate },
            expected.Gig(g.Gig), group, expected.Ranking.Count, means));

        var answers = new Dictionary<string, IMessage>();
        foreach (var (gig, score) in scored)
        {
            var message = ScoringMessages.ToMessage(score, policy, T0);
            message.EvaluatedAt = null;
            answers["gig " + gig] = message;
        }

        foreach (var seller in Sellers)
        {
            var gigs = Gigs.Where(g => g.Seller == seller).Select(g => scored[g.Gig]).ToList();
            answers["seller " + seller] = ScoringMessages.ToMessage(seller, gigs, SellerRecord.New);

            var completed = list.Where(o => o.SellerId == seller && o.Completed && o.Cancelled is null).ToList();
            var metrics = new EngineLevelMetrics(
                expected.Seller(seller).Score, null, null, completed.Count, completed.Select(o => o.BuyerId).Distinct().Count(), completed.Sum(o => o.AmountCents) / 100m);
            answers["level " + seller] = ScoringMessages.ToMessage(seller, SellerRecord.New, metrics, policy).Metrics;
        }

        return answers;
    }

    /// <summary>
    /// One read as the seller: a Gig's score (without its read time), a seller's score (without the
    /// low-performance flag, which the seller evaluations set apart from the events), a level's metrics.
    /// </summary>
    private static async Task<IMessage> ReadAsync(ScoringHarness scoring, string target)
    {
        var (kind, id) = (target[..target.IndexOf(' ')], target[(target.IndexOf(' ') + 1)..]);
        switch (kind)
        {
            case "gig":
                var gig = await scoring.GigScoreAsync(id, Gigs.Single(g => g.Gig == id).Seller);
                gig.EvaluatedAt = null;
                return gig;
            case "seller":
                var seller = await scoring.SellerScoreAsync(id);
                seller.LowPerformance = false;
                return seller;
            default:
                var level = await scoring.SellerLevelAsync(id, id, CallerRole.Seller);
                return level.Metrics ?? new ProtoLevelMetrics();
        }
    }
}

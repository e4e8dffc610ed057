using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Scenario;
using Marketplace.Scoring.Engine;
using static Marketplace.Scenario.PlatformClient;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.EndToEnd.Tests;

/// <summary>
/// The expected scores: the facts of every order read back from the services over gRPC (as an
/// internal caller: orders, reviews with their private ratings, conversations), fed to the
/// scoring engine in memory. The scenario's Gigs all fall in one price band with fewer than 20
/// Gigs per category, so they form one peer group.
/// </summary>
public sealed class EngineOracle
{
    private readonly ScoringPolicy _policy = ScoringPolicy.Default;

    private EngineOracle(IReadOnlyList<OrderFacts> facts, IReadOnlyDictionary<string, string> sellerOf)
    {
        Facts = facts;
        SellerOf = sellerOf;
        Ledgers = facts.GroupBy(f => f.GigId).ToDictionary(g => g.Key, g =>
        {
            var ledger = new GigLedger(g.Key, _policy);
            foreach (var f in g)
            {
                ledger.Upsert(f);
            }

            return ledger;
        });
    }

    public IReadOnlyList<OrderFacts> Facts { get; }

    /// <summary>Gig id → seller id.</summary>
    public IReadOnlyDictionary<string, string> SellerOf { get; }

    public IReadOnlyDictionary<string, GigLedger> Ledgers { get; }

    private IEnumerable<GigAggregate> Scored => Ledgers.Values.Select(l => l.Aggregate).Where(a => PeerStats.Counts(a, _policy));

    /// <summary>The means the group's evaluation snapshots from its scored Gigs.</summary>
    public PeerMeans EvaluatedMeans => PeerStats.Of(Scored, _policy).Means(_policy);

    public PeerMeans PriorMeans => PeerMeans.Uniform(_policy.PriorAreaMean);

    public static async Task<EngineOracle> ReadAsync(PlatformClient client, WalkingSkeleton scenario)
    {
        var internalCaller = client.Bearer("oracle", CallerRole.Internal);
        var facts = new List<OrderFacts>();
        foreach (var (script, orderId) in scenario.OrderIds)
        {
            var order = await client.Orders.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, As(internalCaller));
            Review? review = null;
            try
            {
                review = await client.Reviews.GetReviewAsync(new GetReviewRequest { OrderId = orderId }, As(internalCaller));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // Not reviewed.
            }

            Conversation? conversation = null;
            if (scenario.ConversationIds.TryGetValue(script, out var conversationId))
            {
                conversation = await client.Messaging.GetConversationAsync(
                    new GetConversationRequest { ConversationId = conversationId }, As(internalCaller));
            }

            facts.Add(ToFacts(order, review, conversation));
        }

        return new EngineOracle(facts, scenario.Orders.GroupBy(o => o.GigId).ToDictionary(g => g.Key, g => g.First().SellerId));
    }

    /// <summary>Every Gig's score with the group's qualities taken at <paramref name="means"/>.</summary>
    public IReadOnlyDictionary<string, GigScore> GigScores(PeerMeans means)
    {
        var ranking = PeerRanking.Of(Scored.Select(a => GigScorer.Quality(a, means, _policy).Quality));
        return Ledgers.ToDictionary(l => l.Key, l =>
        {
            var aggregate = l.Value.Aggregate;
            double? ranked = PeerStats.Counts(aggregate, _policy) ? GigScorer.Quality(aggregate, means, _policy).Quality : null;
            return GigScorer.Score(aggregate, means, ranking, ranked, _policy);
        });
    }

    public SellerScore SellerScore(string sellerId, PeerMeans means)
    {
        var gigs = GigScores(means);
        return Scoring.Engine.SellerScore.Of(SellerOf.Where(p => p.Value == sellerId).Select(p => p.Key).Order(StringComparer.Ordinal).Select(g => gigs[g]));
    }

    /// <summary>The engine's facts of one order from what the three services say about it.</summary>
    public static OrderFacts ToFacts(Order o, Review? r, Conversation? c)
    {
        Assert(o.Amount.CurrencyCode == "USD", "the scenario pays in USD");
        bool published = r is { Status: ReviewStatus.Published };
        return new OrderFacts
        {
            OrderId = o.OrderId,
            GigId = o.GigId,
            AmountUsd = o.Amount.AmountMinor / 100m,
            CreatedAt = o.CreatedAt.ToDateTimeOffset(),
            DueAt = o.DueAt.ToDateTimeOffset(),
            FirstDeliveryAt = o.FirstDeliveredAt?.ToDateTimeOffset(),
            CompletedAt = o.State == OrderState.Completed ? o.CompletedAt.ToDateTimeOffset() : null,
            Cancellation = o.State == OrderState.Cancelled
                ? new CancellationFacts(o.Cancellation.CancelledAt.ToDateTimeOffset(), Initiator(o.Cancellation.Initiator), Reason(o.Cancellation.Reason))
                : null,
            BuyerUnresponsiveWait = c?.BuyerUnresponsiveWait?.ToTimeSpan() ?? TimeSpan.Zero,
            SellerUnresponsive = (c?.SellerUnresponsiveCount ?? 0) > 0,
            SellerResponseHours = c is { SellerReplyCount: > 0 } ? c.TotalSellerResponseTime.ToTimeSpan().TotalHours / c.SellerReplyCount : null,
            DisputeOpened = o.DisputeCount > 0,
            EscalatedToSupport = o.SupportContactCount > 0,
            Review = published
                ? new ReviewFacts(r!.Ratings.Overall, r.Ratings.Communication, r.Ratings.Quality, r.Ratings.ValueForMoney, r.Ratings.WouldRecommend)
                : null,
            PrivateRating = published && r!.Ratings.HasPrivateRating ? r.Ratings.PrivateRating : null,
        };
    }

    private static Scoring.Engine.CancellationInitiator Initiator(Proto.CancellationInitiator initiator) => initiator switch
    {
        Proto.CancellationInitiator.Seller => Scoring.Engine.CancellationInitiator.Seller,
        Proto.CancellationInitiator.Buyer => Scoring.Engine.CancellationInitiator.Buyer,
        _ => throw new ArgumentOutOfRangeException(nameof(initiator), initiator, "the scenario cancels as seller only"),
    };

    private static Scoring.Engine.CancellationReason Reason(Proto.CancellationReason reason) => reason switch
    {
        Proto.CancellationReason.BuyerUnresponsive => Scoring.Engine.CancellationReason.BuyerUnresponsive,
        Proto.CancellationReason.SellerUnableToDeliver => Scoring.Engine.CancellationReason.SellerUnableToDeliver,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "the scenario uses two reasons only"),
    };

    private static void Assert(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}

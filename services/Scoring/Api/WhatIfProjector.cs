using Google.Protobuf.Collections;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Domain;
using Marketplace.Platform;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Options;

namespace Marketplace.Scoring.Api;

/// <summary>
/// SPEC 5.3 what-if: loads the Gig's orders into the engine's <see cref="GigLedger"/>, adds the
/// hypothetical orders and re-scores against the same peer snapshot and ranking; nothing is
/// written. O(the Gig's orders) per call.
/// </summary>
public sealed class WhatIfProjector(GigProjection projection, SellerStore sellers, PeerGroupStore peers, IOptions<ScoringOptions> options)
{
    /// <summary>Most hypothetical orders one request may add.</summary>
    public const int MaxOrders = 1000;

    private static readonly TimeSpan OrderDuration = TimeSpan.FromDays(7);

    private ScoringPolicy Policy => options.Value.Policy;

    public async Task<WhatIfResponse> ProjectAsync(GigRecord gig, IReadOnlyList<OrderFacts> hypothetical, DateTimeOffset now)
    {
        var ledger = new GigLedger(gig.GigId, Policy);
        foreach (var (id, record) in await projection.OrdersOfAsync(gig.GigId))
        {
            if (record.ToFacts(id, options.Value.ToUsd) is { } facts)
            {
                ledger.Upsert(facts);
            }
        }

        var group = await peers.ActiveGroupAsync(gig);
        var means = group is null ? PeerMeans.Uniform(Policy.PriorAreaMean) : await peers.GetMeansAsync(group);
        var projected = ledger.Clone();
        foreach (var facts in hypothetical)
        {
            projected.Upsert(facts);
        }

        // The ranking is asked about exactly two qualities: the Gig's now and as projected.
        var qualities = new[] { ledger.Aggregate, projected.Aggregate }.Select(a => GigScorer.Quality(a, means, Policy).Quality).Distinct();
        var counts = new List<RankingCounts>();
        foreach (var quality in qualities)
        {
            counts.Add(group is null ? new RankingCounts(quality, 0, 0, 0) : await peers.CountsAsync(group, quality));
        }

        var ranking = new SampledRanking(counts);
        var others = (await sellers.ScoreGigsAsync(gig.SellerId)).Where(g => g.Gig.GigId != gig.GigId).ToList();
        var result = Engine.WhatIf.Project(new GigSnapshot(ledger, means, ranking), hypothetical, [.. others.Select(g => g.Score)], Policy);

        var groupSize = ranking.Count;
        var current = new ScoredGig(gig, result.CurrentGig, group, groupSize, means);
        var after = new ScoredGig(gig, result.ProjectedGig, group, groupSize, means);
        var seller = await sellers.GetRecordAsync(gig.SellerId);
        return new WhatIfResponse
        {
            CurrentGig = ScoringMessages.ToMessage(current, Policy, now),
            ProjectedGig = ScoringMessages.ToMessage(after, Policy, now),
            CurrentSeller = ScoringMessages.ToMessage(gig.SellerId, [.. others, current], seller),
            ProjectedSeller = ScoringMessages.ToMessage(gig.SellerId, [.. others, after], seller),
        };
    }

    /// <summary>
    /// The request's hypothetical orders as engine facts: each a 7-day order ending now (completed,
    /// or cancelled by the seller), late by its lateness. Bad values are INVALID_ARGUMENT naming the field.
    /// </summary>
    public static IReadOnlyList<OrderFacts> ToFacts(string gigId, RepeatedField<HypotheticalOrder> orders, ScoringOptions options, DateTimeOffset now)
    {
        if (orders.Count == 0)
        {
            throw Invalid("orders must hold at least one hypothetical order");
        }

        var facts = new List<OrderFacts>();
        for (int i = 0; i < orders.Count; i++)
        {
            var o = orders[i];
            string at = $"orders[{i}]";
            if (o.Count < 1 || facts.Count + o.Count > MaxOrders)
            {
                throw Invalid($"{at}.count must be >= 1, and all counts together at most {MaxOrders} (was {o.Count})");
            }

            if (o.Amount is null)
            {
                throw Invalid($"{at}.amount is required");
            }

            if (o.Amount.AmountMinor < 0)
            {
                throw Invalid($"{at}.amount.amount_minor must be >= 0 (was {o.Amount.AmountMinor})");
            }

            var usd = options.ToUsd(o.Amount.CurrencyCode, o.Amount.AmountMinor)
                ?? throw Invalid($"{at}.amount.currency_code '{RequestFields.Shown(o.Amount.CurrencyCode)}' has no USD rate in Scoring");
            var lateness = o.Lateness?.ToTimeSpan() ?? TimeSpan.Zero;
            if (lateness < TimeSpan.Zero)
            {
                throw Invalid($"{at}.lateness must not be negative");
            }

            if (o.OnTime && lateness > TimeSpan.Zero)
            {
                throw Invalid($"{at}: on_time and a lateness > 0 contradict each other");
            }

            ReviewFacts? review = null;
            if (o.OverallRating != 0)
            {
                Stars($"{at}.overall_rating", o.OverallRating);
                Stars($"{at}.communication_rating", o.CommunicationRating);
                Stars($"{at}.quality_rating", o.QualityRating);
                Stars($"{at}.value_rating", o.ValueRating);
                if (o.HasPrivateRating && o.PrivateRating is < 0 or > 10)
                {
                    throw Invalid($"{at}.private_rating must be 0-10 (was {o.PrivateRating})");
                }

                review = new ReviewFacts(o.OverallRating, o.CommunicationRating, o.QualityRating, o.ValueRating, o.WouldRecommend);
            }
            else if (o.CommunicationRating != 0 || o.QualityRating != 0 || o.ValueRating != 0 || o.HasPrivateRating)
            {
                throw Invalid($"{at}: sub-ratings and private_rating need an overall_rating (0 means no review)");
            }

            var due = now - lateness;
            for (int n = 0; n < o.Count; n++)
            {
                facts.Add(new OrderFacts
                {
                    OrderId = $"what-if-{i}-{n}",
                    GigId = gigId,
                    AmountUsd = usd,
                    CreatedAt = due - OrderDuration,
                    DueAt = o.CancelledAgainstSeller && lateness == TimeSpan.Zero ? now.AddSeconds(1) : due,
                    FirstDeliveryAt = o.CancelledAgainstSeller ? null : now,
                    CompletedAt = o.CancelledAgainstSeller ? null : now,
                    Cancellation = o.CancelledAgainstSeller
                        ? new CancellationFacts(now, Engine.CancellationInitiator.Seller, Engine.CancellationReason.SellerUnableToDeliver)
                        : null,
                    DisputeOpened = o.Dispute,
                    Review = review,
                    PrivateRating = review is not null && o.HasPrivateRating ? o.PrivateRating : null,
                });
            }
        }

        return facts;
    }

    private static void Stars(string field, int value)
    {
        if (value is < 1 or > 5)
        {
            throw Invalid($"{field} must be 1-5 (was {value})");
        }
    }

    private static RejectedException Invalid(string message) => Rejection.InvalidArgument(message).ToException();

    /// <summary>The ranking counts read for a few qualities, as the engine's <see cref="IPeerRanking"/>.</summary>
    private sealed class SampledRanking(IReadOnlyList<RankingCounts> samples) : IPeerRanking
    {
        public long Count { get; } = samples.Count == 0 ? 0 : samples[0].Count;

        public long CountBelow(double quality) => Sample(quality).Below;

        public long CountAtOrBelow(double quality) => Sample(quality).AtOrBelow;

        private RankingCounts Sample(double quality) =>
            samples.FirstOrDefault(s => s.Quality == quality)
            ?? throw new InvalidOperationException($"the ranking was not read for quality {quality:R}");
    }
}

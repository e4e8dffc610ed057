using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
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
/// written. The Gig's orders, its seller's Gigs and the ranking counts come from one consistent
/// read (<see cref="ScoreReads"/>); the projected quality is known only once the orders are read,
/// so its counts usually take a second read, and the answer is computed from that one. O(the Gig's
/// orders) per call.
/// </summary>
public sealed class WhatIfProjector(ScoreReads reads, IOptions<ScoringOptions> options)
{
    /// <summary>Most hypothetical orders one request may add.</summary>
    public const int MaxOrders = 1000;

    /// <summary>Most lateness a hypothetical order may have (each is a 7-day order ending now, so its dates stay valid).</summary>
    public static readonly TimeSpan MaxLateness = TimeSpan.FromDays(365);

    private static readonly TimeSpan OrderDuration = TimeSpan.FromDays(7);

    private ScoringPolicy Policy => options.Value.Policy;

    /// <summary>
    /// Projects Gig <paramref name="gigId"/> of <paramref name="read"/> (a read with the seller's
    /// record and Gigs and the Gig's orders) after <paramref name="hypothetical"/>.
    /// </summary>
    public async Task<WhatIfResponse> ProjectAsync(ScoringRead read, string gigId, IReadOnlyList<OrderFacts> hypothetical, DateTimeOffset now)
    {
        // The ranking is asked about exactly two qualities: the Gig's now and as projected.
        read = await reads.WithProbesAsync(read, r =>
        {
            var gig = r.Gig(gigId);
            var (ledger, projected) = Ledgers(r, gigId, hypothetical);
            return gig.Group is null ? [] : new[] { ledger, projected }.Select(l => (gigId, GigScorer.QualityOf(l.Aggregate, gig.Means, Policy)));
        }) ?? throw new InvalidOperationException($"Gig {gigId} disappeared between two reads");

        var state = read.Gig(gigId);
        var (current, _) = Ledgers(read, gigId, hypothetical);
        IPeerRanking ranking = state.Group is null ? PeerRanking.Empty : state.Ranking;
        var others = read.Scored(Policy).Where(g => g.Gig.GigId != gigId).ToList();
        var result = Engine.WhatIf.Project(new GigSnapshot(current, state.Means, ranking), hypothetical, [.. others.Select(g => g.Score)], Policy);

        var before = new ScoredGig(state.Gig, result.CurrentGig, state.Group, state.GroupSize, state.Means);
        var after = new ScoredGig(state.Gig, result.ProjectedGig, state.Group, state.GroupSize, state.Means);
        var seller = read.Record!;
        return new WhatIfResponse
        {
            CurrentGig = ScoringMessages.ToMessage(before, Policy, now),
            ProjectedGig = ScoringMessages.ToMessage(after, Policy, now),
            CurrentSeller = ScoringMessages.ToMessage(read.SellerId, [.. others, before], seller),
            ProjectedSeller = ScoringMessages.ToMessage(read.SellerId, [.. others, after], seller),
        };
    }

    /// <summary>The Gig's ledger from its stored orders, and a copy with the hypothetical orders added.</summary>
    private (GigLedger Current, GigLedger Projected) Ledgers(ScoringRead read, string gigId, IReadOnlyList<OrderFacts> hypothetical)
    {
        var ledger = new GigLedger(gigId, Policy);
        foreach (var (id, record) in read.Orders ?? [])
        {
            if (record.ToFacts(id, options.Value.ToUsd) is { } facts)
            {
                ledger.Upsert(facts);
            }
        }

        var projected = ledger.Clone();
        foreach (var facts in hypothetical)
        {
            projected.Upsert(facts);
        }

        return (ledger, projected);
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
            var lateness = Lateness(at, o.Lateness);

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

    /// <summary>
    /// The order's lateness, from 0 to <see cref="MaxLateness"/>: a Duration out of protobuf's range
    /// (mixed signs, nanos beyond ±999,999,999, seconds beyond ±315,576,000,000) or one that would move
    /// the order's dates out of range is refused naming the field (it threw, and the call ended INTERNAL).
    /// </summary>
    private static TimeSpan Lateness(string at, Duration? value)
    {
        if (value is null)
        {
            return TimeSpan.Zero;
        }

        if (value.Seconds < 0 || value.Nanos < 0)
        {
            throw Invalid($"{at}.lateness must not be negative");
        }

        if (value.Nanos > 999_999_999 || value.Seconds > (long)MaxLateness.TotalSeconds)
        {
            throw Invalid($"{at}.lateness must be at most {MaxLateness.TotalDays:0} days (was seconds={value.Seconds}, nanos={value.Nanos})");
        }

        var lateness = value.ToTimeSpan();
        return lateness <= MaxLateness
            ? lateness
            : throw Invalid($"{at}.lateness must be at most {MaxLateness.TotalDays:0} days (was seconds={value.Seconds}, nanos={value.Nanos})");
    }

    private static void Stars(string field, int value)
    {
        if (value is < 1 or > 5)
        {
            throw Invalid($"{field} must be 1-5 (was {value})");
        }
    }

    private static RejectedException Invalid(string message) => Rejection.InvalidArgument(message).ToException();
}

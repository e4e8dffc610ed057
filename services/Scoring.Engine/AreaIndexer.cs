namespace Marketplace.Scoring.Engine;

/// <summary>
/// Turns one order's facts into its per-area indices in [0,1] (SPEC 5.1). An area the order
/// says nothing about (e.g. value for money without a review) is not applicable and leaves
/// that area's sums untouched.
/// </summary>
public static class AreaIndexer
{
    /// <summary>
    /// Whether the order counts at all: its outcome is final, and a cancellation counts against the
    /// seller by the policy's rule table (SPEC 2, 5.1). A buyer-unresponsive mark never takes an order
    /// out: only the seller's wait on that buyer is kept out of lateness (<see cref="OnTime"/>).
    /// </summary>
    public static bool IsIncluded(OrderFacts facts, ScoringPolicy policy) =>
        facts.OutcomeAt is not null
        && (facts.Cancellation is null || policy.Cancellations.Counts(facts.Cancellation));

    /// <summary>
    /// The per-area index of an included order; NaN marks "not applicable". Satisfaction,
    /// communication, conflict-free and cancellations apply to every counted order; on-time
    /// delivery to every order that was delivered or passed its due time; value for money to
    /// reviewed orders. Whether an area applies never depends on how good the outcome was, so a
    /// better outcome can only raise an index.
    /// </summary>
    public static PerArea<double> Indices(OrderFacts facts, ScoringPolicy policy)
    {
        var w = policy.AreaInputs;
        var negative = facts.DisputeOpened || facts.EscalatedToSupport;
        var result = new PerArea<double>();

        var sat = new WeightedMean();
        if (facts.Review is { } r) sat.Add(Stars(r.Overall), w.SatisfactionOverallRating);
        if (facts.PrivateRating is { } pr) sat.Add(pr / 10.0, w.SatisfactionPrivateRating);
        sat.Add(negative ? 0 : 1, w.SatisfactionNoNegativeEvents); // every counted order says whether it went without incident
        result[(int)Area.Satisfaction] = sat.Value;

        var com = new WeightedMean();
        if (facts.Review is { } rc) com.Add(Stars(rc.Communication), w.CommunicationRating);
        // No unresponsive mark and no measured response time: nothing went unanswered, full credit.
        var responsiveness = facts.SellerUnresponsive ? 0 : facts.SellerResponseHours is { } hours ? Responsiveness(hours, w) : 1;
        com.Add(responsiveness, w.CommunicationResponsiveness);
        result[(int)Area.Communication] = com.Value;

        result[(int)Area.ConflictFree] = negative ? 0 : 1;

        result[(int)Area.Cancellations] = facts.Cancellation is { } c && policy.Cancellations.Counts(c)
            ? 1 - policy.Cancellations.Weight(c)
            : 1;

        result[(int)Area.OnTimeDelivery] = OnTime(facts, w);

        var val = new WeightedMean();
        if (facts.Review is { } rv)
        {
            val.Add(Stars(rv.ValueForMoney), w.ValueRating);
            val.Add(rv.WouldRecommend ? 1 : 0, w.ValueWouldRecommend);
        }
        result[(int)Area.ValueForMoney] = val.Value;
        return result;
    }

    /// <summary>
    /// On-time credit: 1 when delivered by the due time; partial credit that falls linearly to 0
    /// at a lateness of LateZeroCreditFraction × the order's duration; 0 for an order cancelled
    /// past its due time with no delivery; not applicable when cancelled before it was due.
    /// Lateness = first delivery − due − the seller's wait on an unresponsive buyer (SPEC 5.1), at least 0.
    /// The wait applies to delivered orders only: on an undelivered cancellation it would decide
    /// whether the area applies at all, and a longer wait must never lower the quality (invariant 2).
    /// </summary>
    private static double OnTime(OrderFacts facts, AreaInputWeights w)
    {
        DateTimeOffset end;
        if (facts.FirstDeliveryAt is { } delivered) end = delivered;
        else if (facts.Cancellation is { } c && c.At > facts.DueAt) return 0;
        else return double.NaN;

        var lateness = (end - facts.DueAt - facts.BuyerUnresponsiveWait).TotalSeconds;
        if (lateness <= 0) return 1;
        var duration = (facts.DueAt - facts.CreatedAt).TotalSeconds;
        if (duration <= 0) return 0;
        return Math.Max(0, 1 - lateness / duration / w.LateZeroCreditFraction);
    }

    private static double Responsiveness(double hours, AreaInputWeights w)
    {
        if (hours <= w.FastResponseHours) return 1;
        if (hours >= w.SlowResponseHours) return 0;
        return (w.SlowResponseHours - hours) / (w.SlowResponseHours - w.FastResponseHours);
    }

    private static double Stars(int stars) => (stars - 1) / 4.0;

    private struct WeightedMean
    {
        private double _sum;
        private double _weight;
        public readonly double Value => _weight > 0 ? _sum / _weight : double.NaN;

        public void Add(double value, double weight)
        {
            _sum += value * weight;
            _weight += weight;
        }
    }
}

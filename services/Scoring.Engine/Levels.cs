namespace Marketplace.Scoring.Engine;

/// <summary>Seller levels in ascending order (SPEC 5.4).</summary>
public enum SellerLevel
{
    NewSeller = 0,
    Level1 = 1,
    Level2 = 2,
    TopRated = 3,
}

/// <summary>Where a seller stands with the manual Top Rated approval.</summary>
public enum TopRatedReview
{
    None,
    Pending,
    Approved,
    Rejected,
}

/// <summary>Daily evaluations count toward the demotion grace; on-demand ones can promote but never demote.</summary>
public enum EvaluationKind
{
    Daily,
    OnDemand,
}

/// <summary>The level metrics of a seller (SPEC 5.4), computed by the service; null means "none yet".</summary>
/// <param name="Rating">Mean public overall rating over the policy window (1–5).</param>
/// <param name="ResponseRate">Share in [0,1] of buyer-opened conversations answered within 24 h, as Messaging
/// computes it; null when the seller had no buyer-opened conversation in the window (the criteria then use
/// <see cref="ScoringPolicy.ResponseRateWithoutConversations"/>).</param>
public sealed record LevelMetrics(double? SuccessScore, double? Rating, double? ResponseRate, int CompletedOrders, int UniqueClients, decimal EarningsUsd);

/// <summary>The small per-seller record the service persists between level evaluations.</summary>
public sealed record LevelState(SellerLevel Level, int ConsecutiveFailures, TopRatedReview TopRatedReview, DateTimeOffset? TopRatedDecidedAt)
{
    /// <summary>A seller who has never been evaluated.</summary>
    public static LevelState New { get; } = new(SellerLevel.NewSeller, 0, TopRatedReview.None, null);
}

/// <summary>A criterion that does not hold, with the actual and required values, e.g. ("rating", "4.3", "≥ 4.4").</summary>
public sealed record CriterionFailure(SellerLevel Level, string Criterion, string Actual, string Required)
{
    public override string ToString() => $"{Level} {Criterion}: {Actual}, needs {Required}";
}

/// <summary>The outcome of a level evaluation, with the reasons.</summary>
/// <param name="Eligible">The highest level whose criteria (and all lower levels' criteria) hold.</param>
/// <param name="FailingCurrent">Criteria of the current level that fail (they start or continue the demotion grace).</param>
/// <param name="FailingNext">Criteria of the next level up that fail (why there is no promotion).</param>
public sealed record LevelDecision(
    LevelState Before,
    LevelState After,
    SellerLevel Eligible,
    IReadOnlyList<CriterionFailure> FailingCurrent,
    IReadOnlyList<CriterionFailure> FailingNext,
    string Reason)
{
    /// <summary>True when the level changed: the service publishes a level event.</summary>
    public bool LevelChanged => Before.Level != After.Level;
}

/// <summary>
/// SPEC 5.4: every criterion of a level must hold; a demotion needs the criteria to fail on
/// DemotionGraceEvaluations consecutive daily evaluations; Top Rated also needs a manual
/// approval (a pending candidate stays Level 2; after a rejection the seller can be proposed
/// again after TopRatedRetryMonths). Pure: returns the new state, the service stores it.
/// </summary>
public static class LevelEvaluator
{
    /// <summary>Evaluates a seller's level.</summary>
    public static LevelDecision Evaluate(LevelState state, LevelMetrics metrics, EvaluationKind kind, DateTimeOffset now, ScoringPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(metrics);
        var eligible = EligibleLevel(metrics, policy);
        var current = state.Level;
        var failingCurrent = Failures(current, metrics, policy);
        var failingNext = current == SellerLevel.TopRated ? [] : Failures(current + 1, metrics, policy);

        var review = state.TopRatedReview;
        var decidedAt = state.TopRatedDecidedAt;
        var target = eligible;
        var note = "";
        if (eligible == SellerLevel.TopRated && current != SellerLevel.TopRated)
        {
            target = SellerLevel.Level2; // never Top Rated without approval
            if (review == TopRatedReview.Rejected && decidedAt is { } at && now < at.AddMonths(policy.TopRatedRetryMonths))
                note = $"; Top Rated rejected on {at:yyyy-MM-dd}, can be proposed again from {at.AddMonths(policy.TopRatedRetryMonths):yyyy-MM-dd}";
            else
            {
                review = TopRatedReview.Pending;
                note = "; Top Rated candidate awaiting approval by support";
            }
        }
        else if (eligible != SellerLevel.TopRated && review == TopRatedReview.Pending)
        {
            review = TopRatedReview.None;
            note = "; no longer a Top Rated candidate";
        }

        LevelState after;
        string reason;
        if (target > current)
        {
            after = new LevelState(target, 0, review, decidedAt);
            reason = $"promoted: every {target} criterion holds";
        }
        else if (target == current)
        {
            after = new LevelState(current, 0, review, decidedAt);
            reason = current == SellerLevel.NewSeller ? "New Seller: " + Describe(failingNext) : $"{current} criteria hold";
        }
        else if (kind == EvaluationKind.OnDemand)
        {
            after = state with { TopRatedReview = review };
            reason = $"{current} criteria fail ({Describe(failingCurrent)}); on-demand evaluations do not count toward demotion";
        }
        else
        {
            var failures = state.ConsecutiveFailures + 1;
            if (failures >= policy.DemotionGraceEvaluations)
            {
                var resetReview = current == SellerLevel.TopRated ? TopRatedReview.None : review;
                after = new LevelState(target, 0, resetReview, decidedAt);
                reason = $"demoted to {target} after {failures} consecutive failing evaluations: {Describe(failingCurrent)}";
            }
            else
            {
                after = new LevelState(current, failures, review, decidedAt);
                reason = $"{current} criteria fail ({Describe(failingCurrent)}); failing evaluation {failures} of {policy.DemotionGraceEvaluations} before demotion";
            }
        }
        return new LevelDecision(state, after, eligible, failingCurrent, failingNext, reason + note);
    }

    /// <summary>
    /// Evaluates a seller's level from the state the last counted daily evaluation (or support's
    /// Top Rated decision) <paramref name="confirmed"/>, not from the outcome of the on-demand
    /// evaluations since: an on-demand evaluation (at once on the seller's own events, or asked for)
    /// promotes to what the facts qualify for now, and a promotion it made holds while the facts
    /// support it; it never goes below the confirmed level (that takes the daily demotion grace).
    /// So the level depends on the confirmed state and the facts, not on when the on-demand
    /// evaluations ran or in which order the facts arrived: two runs that apply the same facts
    /// between the same daily evaluations end at the same level. Evaluating from the previous
    /// outcome instead, a promotion made on facts that a later fact undid (a review removed, a low
    /// rating arriving after the good ones) stayed, so the level depended on the moment the
    /// evaluation ran (issue 15, finding 6). <paramref name="current"/> is the level held now; the
    /// decision's <see cref="LevelDecision.Before"/> is it, so <see cref="LevelDecision.LevelChanged"/>
    /// says whether the held level changes. After a daily evaluation, its outcome is the new confirmed state.
    /// </summary>
    public static LevelDecision Reevaluate(LevelState confirmed, LevelState current, LevelMetrics metrics, EvaluationKind kind, DateTimeOffset now, ScoringPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        ArgumentNullException.ThrowIfNull(current);
        var decision = Evaluate(confirmed, metrics, kind, now, policy);
        var reason = decision.Reason;
        if (decision.After.Level < current.Level && decision.After.Level >= confirmed.Level)
        {
            reason = $"{current.Level}, reached since the last daily evaluation, no longer holds ({Describe(Failures(current.Level, metrics, policy))}); " +
                $"back to {decision.After.Level}: {reason}";
        }

        return decision with { Before = current, Reason = reason };
    }

    /// <summary>Support approves a pending Top Rated candidate. Without a pending candidate it throws and changes nothing.</summary>
    public static LevelState ApproveTopRated(LevelState state, DateTimeOffset now)
    {
        if (state.TopRatedReview != TopRatedReview.Pending)
            throw new InvalidOperationException($"TopRatedReview is {state.TopRatedReview}: only a pending Top Rated candidate can be approved");
        return new LevelState(SellerLevel.TopRated, 0, TopRatedReview.Approved, now);
    }

    /// <summary>Support rejects a pending Top Rated candidate; it can be proposed again after TopRatedRetryMonths.</summary>
    public static LevelState RejectTopRated(LevelState state, DateTimeOffset now)
    {
        if (state.TopRatedReview != TopRatedReview.Pending)
            throw new InvalidOperationException($"TopRatedReview is {state.TopRatedReview}: only a pending Top Rated candidate can be rejected");
        return state with { TopRatedReview = TopRatedReview.Rejected, TopRatedDecidedAt = now };
    }

    /// <summary>The highest level whose criteria, and those of every lower level, all hold.</summary>
    public static SellerLevel EligibleLevel(LevelMetrics metrics, ScoringPolicy policy)
    {
        var level = SellerLevel.NewSeller;
        foreach (var next in new[] { SellerLevel.Level1, SellerLevel.Level2, SellerLevel.TopRated })
        {
            if (Failures(next, metrics, policy).Count > 0) break;
            level = next;
        }
        return level;
    }

    /// <summary>Every criterion of a level that the metrics do not meet (SPEC 5.4: the success score alone is never enough).</summary>
    public static IReadOnlyList<CriterionFailure> Failures(SellerLevel level, LevelMetrics m, ScoringPolicy policy)
    {
        if (level == SellerLevel.NewSeller) return [];
        var c = level switch
        {
            SellerLevel.Level1 => policy.Level1,
            SellerLevel.Level2 => policy.Level2,
            _ => policy.TopRated,
        };
        var f = new List<CriterionFailure>();
        if (!(m.SuccessScore >= c.MinSuccessScore)) f.Add(new(level, "success score", Show(m.SuccessScore, "0.0"), $"≥ {c.MinSuccessScore:0.0}"));
        if (!(m.Rating >= c.MinRating)) f.Add(new(level, "rating", Show(m.Rating, "0.00"), $"≥ {c.MinRating:0.0#}"));
        var responseRate = m.ResponseRate ?? policy.ResponseRateWithoutConversations;
        if (!(responseRate >= c.MinResponseRate))
            f.Add(new(level, "response rate", m.ResponseRate is null ? $"no buyer-opened conversations (counted as {responseRate * 100:0.#} %)" : $"{responseRate * 100:0.#} %", $"≥ {c.MinResponseRate * 100:0.#} %"));
        if (m.CompletedOrders < c.MinCompletedOrders) f.Add(new(level, "completed orders", $"{m.CompletedOrders}", $"≥ {c.MinCompletedOrders}"));
        if (m.UniqueClients < c.MinUniqueClients) f.Add(new(level, "unique clients", $"{m.UniqueClients}", $"≥ {c.MinUniqueClients}"));
        if (m.EarningsUsd < c.MinEarningsUsd) f.Add(new(level, "earnings (USD)", $"{m.EarningsUsd:0.##}", $"≥ {c.MinEarningsUsd:0.##}"));
        return f;
    }

    private static string Show(double? value, string format) => value is { } v ? v.ToString(format) : "none";

    private static string Describe(IReadOnlyList<CriterionFailure> failures) =>
        failures.Count == 0 ? "no failing criteria" : string.Join("; ", failures);
}

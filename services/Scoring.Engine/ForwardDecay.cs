namespace Marketplace.Scoring.Engine;

/// <summary>
/// Forward decay (Cormode et al., ICDE 2009) on a fixed landmark grid. An order at time t gets
/// weight value × exp(λ·(t − L)): later orders weigh more, and nothing depends on "now", so a
/// score never changes with time alone. Weights are kept as 64-bit fixed point (2^32 units per
/// 1.0) so sums are exact: adding and subtracting commute and undo each other bit for bit.
/// </summary>
public static class ForwardDecay
{
    /// <summary>Fixed-point units per 1.0 of weight.</summary>
    public const double Scale = 4_294_967_296.0; // 2^32

    /// <summary>Length of one landmark step in seconds.</summary>
    public static long StepSeconds(ScoringPolicy policy) =>
        (long)Math.Round(policy.LandmarkStepHalfLives * policy.HalfLifeDays * 86_400.0);

    /// <summary>
    /// The landmark for a Gig whose most recent order ended at <paramref name="maxOutcomeSeconds"/>:
    /// the epoch plus the whole number of steps that fit. Depends only on the latest order, so
    /// every replica and every arrival order agrees on it. It moves (and the Gig's sums are
    /// rebuilt) once per step, i.e. every 8 half-lives (~3.9 years) by default.
    /// </summary>
    public static long LandmarkFor(long maxOutcomeSeconds, ScoringPolicy policy)
    {
        var epoch = policy.LandmarkEpoch.ToUnixTimeSeconds();
        var step = StepSeconds(policy);
        return epoch + (long)Math.Floor((maxOutcomeSeconds - epoch) / (double)step) * step;
    }

    /// <summary>Start of the evaluation window: orders ending before it no longer count.</summary>
    public static long WindowStart(long maxOutcomeSeconds, ScoringPolicy policy) =>
        maxOutcomeSeconds - policy.EvaluationPeriodDays * 86_400L;

    /// <summary>Fixed-point weight of an order: value weight × exp(λ·(t − L)), in units of 2^-32.</summary>
    public static long WeightUnits(double valueWeight, long outcomeSeconds, long landmarkSeconds, ScoringPolicy policy)
    {
        var units = Math.Round(valueWeight * Math.Exp(policy.DecayPerSecond * ((double)outcomeSeconds - landmarkSeconds)) * Scale);
        if (!(units is >= 0 and <= MaxUnits))
            throw new ArgumentOutOfRangeException(nameof(outcomeSeconds),
                $"an order at {outcomeSeconds} is too far after the landmark {landmarkSeconds} for fixed-point weights; move the landmark first");
        return (long)units;
    }

    /// <summary>Largest weight of one order (2^50): far above what a landmark step allows, far below overflow.</summary>
    private const double MaxUnits = 1_125_899_906_842_624.0;
}

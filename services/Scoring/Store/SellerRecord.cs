using Marketplace.Hosting;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Store;

/// <summary>
/// What Scoring keeps per seller between evaluations: the level state of the engine, the
/// low-performance flag, the version of the seller's scoring events, when it was last evaluated,
/// and the UTC day of its last daily evaluation (a day counts once toward a demotion).
/// </summary>
public sealed record SellerRecord
{
    public static readonly SellerRecord New = new();

    public LevelState Level { get; init; } = LevelState.New;

    public bool LowPerformance { get; init; }

    /// <summary>+1 with every scoring event about this seller.</summary>
    public long Version { get; init; }

    public DateTimeOffset? EvaluatedAt { get; init; }

    /// <summary>yyyy-MM-dd (UTC) of the last daily evaluation.</summary>
    public string LastDailyEvaluation { get; init; } = "";

    /// <summary>The record as stored in <see cref="ScoringKeys.Seller"/>; <see cref="New"/> for a seller never evaluated.</summary>
    public static SellerRecord FromFields(HashReader f) => f.IsEmpty
        ? New
        : new SellerRecord
        {
            Level = new LevelState(
                f.Enum<Engine.SellerLevel>("level"),
                f.Int("failures"),
                f.Enum<TopRatedReview>("top_rated"),
                f.OptionalLong("top_rated_at") is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null),
            LowPerformance = f.Bool("low"),
            Version = f.Long("version"),
            EvaluatedAt = f.OptionalLong("evaluated") is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
            LastDailyEvaluation = f.String("daily"),
        };

    /// <summary>The hash layout: times as Unix milliseconds; unset times left out (the hash is replaced as a whole).</summary>
    public HashWriter ToFields() => new HashWriter()
        .SetEnum("level", Level.Level)
        .Set("failures", Level.ConsecutiveFailures)
        .SetEnum("top_rated", Level.TopRatedReview)
        .SetOptional("top_rated_at", Level.TopRatedDecidedAt?.ToUnixTimeMilliseconds())
        .Set("low", LowPerformance)
        .Set("version", Version)
        .SetOptional("evaluated", EvaluatedAt?.ToUnixTimeMilliseconds())
        .Set("daily", LastDailyEvaluation);
}

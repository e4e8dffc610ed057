using Marketplace.Hosting;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring.Store;

/// <summary>
/// What Scoring keeps per seller between evaluations: the level state of the engine (the one held
/// now, and the one the last counted daily evaluation or support's Top Rated decision confirmed,
/// which on-demand evaluations start from: <see cref="LevelEvaluator.Reevaluate"/>), the
/// low-performance flag, the version of the seller's scoring events, when it was last evaluated,
/// and the UTC day of its last daily evaluation (a day counts once toward a demotion).
/// </summary>
public sealed record SellerRecord
{
    public static readonly SellerRecord New = new();

    public LevelState Level { get; init; } = LevelState.New;

    /// <summary>The level state as the last counted daily evaluation or support's decision left it.</summary>
    public LevelState Confirmed { get; init; } = LevelState.New;

    public bool LowPerformance { get; init; }

    /// <summary>+1 with every scoring event about this seller.</summary>
    public long Version { get; init; }

    public DateTimeOffset? EvaluatedAt { get; init; }

    /// <summary>yyyy-MM-dd (UTC) of the last daily evaluation.</summary>
    public string LastDailyEvaluation { get; init; } = "";

    /// <summary>
    /// The stored record's revision (0 for one never written by <see cref="SellerStore.StageRecord"/>),
    /// which every write raises by one: a unit of work that read the record conditions its commit on
    /// this one field instead of the whole hash (<see cref="Marketplace.EventBus.UnitOfWork.ReadVersionedHashAsync"/>).
    /// </summary>
    public long Revision { get; init; }

    /// <summary>The hash field of <see cref="Revision"/>.</summary>
    public const string RevisionField = "rev";

    /// <summary>The record as stored in <see cref="ScoringKeys.Seller"/>; <see cref="New"/> for a seller never evaluated.
    /// A record stored before the confirmed state was kept has its held level as the confirmed one.</summary>
    public static SellerRecord FromFields(HashReader f)
    {
        if (f.IsEmpty)
        {
            return New;
        }

        var level = LevelStateOf(f, "");
        return new SellerRecord
        {
            Level = level,
            Confirmed = f.Has("confirmed_level") ? LevelStateOf(f, "confirmed_") : level,
            LowPerformance = f.Bool("low"),
            Version = f.Long("version"),
            EvaluatedAt = f.OptionalLong("evaluated") is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
            LastDailyEvaluation = f.String("daily"),
            Revision = f.OptionalLong(RevisionField) ?? 0,
        };
    }

    private static LevelState LevelStateOf(HashReader f, string prefix) => new(
        f.Enum<Engine.SellerLevel>(prefix + "level"),
        f.Int(prefix + "failures"),
        f.Enum<TopRatedReview>(prefix + "top_rated"),
        f.OptionalLong(prefix + "top_rated_at") is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);

    /// <summary>The hash layout: times as Unix milliseconds; unset times left out (the hash is replaced as a whole).</summary>
    public HashWriter ToFields() => new HashWriter()
        .SetEnum("level", Level.Level)
        .Set("failures", Level.ConsecutiveFailures)
        .SetEnum("top_rated", Level.TopRatedReview)
        .SetOptional("top_rated_at", Level.TopRatedDecidedAt?.ToUnixTimeMilliseconds())
        .SetEnum("confirmed_level", Confirmed.Level)
        .Set("confirmed_failures", Confirmed.ConsecutiveFailures)
        .SetEnum("confirmed_top_rated", Confirmed.TopRatedReview)
        .SetOptional("confirmed_top_rated_at", Confirmed.TopRatedDecidedAt?.ToUnixTimeMilliseconds())
        .Set("low", LowPerformance)
        .Set("version", Version)
        .SetOptional("evaluated", EvaluatedAt?.ToUnixTimeMilliseconds())
        .Set("daily", LastDailyEvaluation)
        .Set(RevisionField, Revision);
}

using System.Globalization;
using Marketplace.Scoring.Engine;
using StackExchange.Redis;

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

    public static SellerRecord FromHash(IReadOnlyDictionary<string, RedisValue> f)
    {
        if (f.Count == 0)
        {
            return New;
        }

        long L(string name) => f.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? long.Parse((string)v!, CultureInfo.InvariantCulture) : 0;
        long? N(string name) => f.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? long.Parse((string)v!, CultureInfo.InvariantCulture) : null;
        return new SellerRecord
        {
            Level = new LevelState(
                (Engine.SellerLevel)L("level"),
                (int)L("failures"),
                (TopRatedReview)L("top_rated"),
                N("top_rated_at") is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null),
            LowPerformance = L("low") == 1,
            Version = L("version"),
            EvaluatedAt = N("evaluated") is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
            LastDailyEvaluation = (string?)f.GetValueOrDefault("daily") ?? "",
        };
    }

    public IEnumerable<KeyValuePair<string, RedisValue>> ToHash()
    {
        yield return new("level", (int)Level.Level);
        yield return new("failures", Level.ConsecutiveFailures);
        yield return new("top_rated", (int)Level.TopRatedReview);
        yield return new("top_rated_at", Level.TopRatedDecidedAt is { } at ? at.ToUnixTimeMilliseconds() : RedisValue.EmptyString);
        yield return new("low", LowPerformance ? 1 : 0);
        yield return new("version", Version);
        yield return new("evaluated", EvaluatedAt is { } e ? e.ToUnixTimeMilliseconds() : RedisValue.EmptyString);
        yield return new("daily", LastDailyEvaluation);
    }
}

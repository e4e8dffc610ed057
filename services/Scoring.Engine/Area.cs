namespace Marketplace.Scoring.Engine;

/// <summary>
/// The six areas a Gig is judged on (SPEC 5.1). The numeric values are stable: they index the
/// per-area arrays of <see cref="OrderContribution"/>, <see cref="GigAggregate"/> and the policy.
/// </summary>
public enum Area
{
    Satisfaction = 0,
    Communication = 1,
    ConflictFree = 2,
    Cancellations = 3,
    OnTimeDelivery = 4,
    ValueForMoney = 5,
}

/// <summary>Helpers for iterating the fixed set of areas.</summary>
public static class Areas
{
    /// <summary>Number of areas; every per-area array has this length.</summary>
    public const int Count = 6;

    /// <summary>All areas in index order.</summary>
    public static IReadOnlyList<Area> All { get; } =
        [Area.Satisfaction, Area.Communication, Area.ConflictFree, Area.Cancellations, Area.OnTimeDelivery, Area.ValueForMoney];
}

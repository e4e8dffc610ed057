using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Scoring.V1;
using StackExchange.Redis;

namespace Marketplace.Scoring.Rebuild;

/// <summary>
/// The rebuild under way, or the last one (hash <see cref="Key"/>): what the RebuildScores RPC
/// starts, the worker advances and checkpoints, and GetRebuildStatus shows. One at a time: a new
/// one starts only when this one is no longer running. The worker runs it under a lease
/// (<see cref="LeaseKey"/>), so a crash leaves it running with a lapsed lease, and the next worker
/// resumes it from its phase and cursor (docs/scoring.md "Rebuild").
/// </summary>
public sealed record RebuildJob
{
    public const string Key = "scoring:{rebuild}";

    /// <summary>String with a TTL: the replica running the rebuild.</summary>
    public const string LeaseKey = "scoring:{rebuild}:lease";

    /// <summary>List: the Gigs to rebuild, in the order the cursor walks them (taken when the rebuild starts, then extended by Gigs new since).</summary>
    public const string GigsKey = "scoring:{rebuild}:gigs";

    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static class Phases
    {
        public const string Plan = "plan";
        public const string Orders = "orders";
        public const string Peers = "peers";
        public const string Switch = "switch";
        public const string Compare = "compare";
        public const string Cleanup = "cleanup";
        public const string Done = "done";
    }

    public required string Id { get; init; }
    public bool DryRun { get; init; }
    public string State { get; init; } = Running;
    public string Phase { get; init; } = Phases.Plan;

    /// <summary>The generation this rebuild builds (0 until planned).</summary>
    public long Generation { get; init; }

    /// <summary>The generation that was live when the rebuild was planned (the switch retires it).</summary>
    public long FromGeneration { get; init; }

    /// <summary>Index in <see cref="GigsKey"/> of the next Gig to rebuild.</summary>
    public long Cursor { get; init; }

    public long OrdersDone { get; init; }
    public long OrdersTotal { get; init; }
    public long GigsTotal { get; init; }
    public long Reapplied { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string Error { get; init; } = "";
    public RebuildChanges? Changes { get; init; }

    public bool IsRunning => State == Running;

    /// <summary>The hash fields of <see cref="Changes"/>.</summary>
    public static readonly RedisValue[] ChangeFields = ["c_gigs", "c_gigs_score", "c_sellers", "c_sellers_score", "c_sellers_level", "c_sellers_flag"];

    public static RebuildJob? From(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var f = entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        long L(string name) => f.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
        return new RebuildJob
        {
            Id = f["id"],
            DryRun = L("dry") == 1,
            State = f["state"],
            Phase = f["phase"],
            Generation = L("gen"),
            FromGeneration = L("from"),
            Cursor = L("cursor"),
            OrdersDone = L("done"),
            OrdersTotal = L("total"),
            GigsTotal = L("gigs"),
            Reapplied = L("reapplied"),
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(L("started")),
            FinishedAt = f.ContainsKey("finished") ? DateTimeOffset.FromUnixTimeMilliseconds(L("finished")) : null,
            Error = f.GetValueOrDefault("error", ""),
            Changes = f.ContainsKey("c_gigs")
                ? new RebuildChanges
                {
                    GigsCompared = L("c_gigs"),
                    GigsScoreChanged = L("c_gigs_score"),
                    SellersCompared = L("c_sellers"),
                    SellersScoreChanged = L("c_sellers_score"),
                    SellersLevelChanged = L("c_sellers_level"),
                    SellersFlagChanged = L("c_sellers_flag"),
                }
                : null,
        };
    }

    /// <summary>The whole hash (a new job replaces the last one's).</summary>
    public HashEntry[] ToEntries()
    {
        var entries = new List<HashEntry>
        {
            new("id", Id),
            new("dry", DryRun ? 1 : 0),
            new("state", State),
            new("phase", Phase),
            new("gen", Generation),
            new("from", FromGeneration),
            new("cursor", Cursor),
            new("done", OrdersDone),
            new("total", OrdersTotal),
            new("gigs", GigsTotal),
            new("reapplied", Reapplied),
            new("started", StartedAt.ToUnixTimeMilliseconds()),
        };
        if (FinishedAt is { } finished)
        {
            entries.Add(new("finished", finished.ToUnixTimeMilliseconds()));
        }

        if (Error.Length > 0)
        {
            entries.Add(new("error", Error));
        }

        if (Changes is { } c)
        {
            entries.Add(new("c_gigs", c.GigsCompared));
            entries.Add(new("c_gigs_score", c.GigsScoreChanged));
            entries.Add(new("c_sellers", c.SellersCompared));
            entries.Add(new("c_sellers_score", c.SellersScoreChanged));
            entries.Add(new("c_sellers_level", c.SellersLevelChanged));
            entries.Add(new("c_sellers_flag", c.SellersFlagChanged));
        }

        return [.. entries];
    }

    public RebuildStatus ToStatus()
    {
        var status = new RebuildStatus
        {
            RebuildId = Id,
            State = State switch
            {
                Running => RebuildState.Running,
                Succeeded => RebuildState.Succeeded,
                _ => RebuildState.Failed,
            },
            DryRun = DryRun,
            Phase = Phase,
            OrdersDone = OrdersDone,
            OrdersTotal = OrdersTotal,
            GigsTotal = GigsTotal,
            StartedAt = Timestamp.FromDateTimeOffset(StartedAt),
            Generation = Generation,
            Error = Error,
            GigsReapplied = Reapplied,
        };
        if (FinishedAt is { } finished)
        {
            status.FinishedAt = Timestamp.FromDateTimeOffset(finished);
        }

        if (Changes is { } changes)
        {
            status.Changes = changes;
        }

        return status;
    }
}

using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>One Gig scored now: the engine's score, the group it was ranked in and that group's size.</summary>
public sealed record ScoredGig(GigRecord Gig, GigScore Score, PeerGroupKey? Group, long GroupSize, PeerMeans Means);

/// <summary>
/// Reads a seller's scores and level metrics from Redis and stages the per-seller facts that
/// events bring (published ratings, completed orders, buyer-opened conversations). Gig scores
/// are computed when asked, from each Gig's aggregate and its group's ranking, so they are always
/// those of the current state.
/// </summary>
public sealed class SellerStore(RedisConnection redis, IOptions<ScoringOptions> settings, PeerGroupStore peers)
{
    private ScoringOptions Options => settings.Value;

    private ScoringPolicy Policy => Options.Policy;

    private IDatabase Db => redis.Database;

    public async Task<bool> IsKnownAsync(string sellerId) => await Db.SetContainsAsync(ScoringKeys.Sellers, sellerId);

    /// <summary>The seller's record as the unit of work reads it (a commit condition).</summary>
    public static async Task<SellerRecord> ReadRecordAsync(UnitOfWork work, string sellerId) =>
        SellerRecord.FromFields(HashReader.From(RecordName(sellerId), await work.ReadHashAsync(ScoringKeys.Seller(sellerId))));

    public async Task<SellerRecord> GetRecordAsync(string sellerId) =>
        SellerRecord.FromFields(HashReader.From(RecordName(sellerId), await Db.HashGetAllAsync(ScoringKeys.Seller(sellerId))));

    /// <summary>Stages the seller's new record, replacing the whole hash.</summary>
    public static void StageRecord(UnitOfWork work, string sellerId, SellerRecord record)
    {
        var key = ScoringKeys.Seller(sellerId);
        work.KeyDelete(key);
        work.HashSet(key, record.ToFields().Entries);
    }

    public async Task<GigRecord?> GetGigAsync(string gigId)
    {
        var gig = GigRecord.FromFields(gigId, HashReader.From($"scoring gig {gigId}", await Db.HashGetAllAsync(ScoringKeys.Gig(gigId))));
        return gig.Exists ? gig : null;
    }

    /// <summary>Takes a seller whose evaluation keeps failing off the dirty list and records why, in one transaction.</summary>
    public async Task ParkAsync(string sellerId, string error, DateTimeOffset now)
    {
        var transaction = Db.CreateTransaction();
        _ = transaction.HashDeleteAsync(ScoringKeys.DirtySellers, sellerId);
        _ = transaction.HashSetAsync(ScoringKeys.ParkedSellers, sellerId, $"{now.ToUniversalTime():O}: {error}");
        await transaction.ExecuteAsync();
    }

    private static string RecordName(string sellerId) => $"scoring seller {sellerId}";

    /// <summary>A Gig's score now: quality at its group's snapshot, percentile from the group's ranking.</summary>
    public async Task<ScoredGig> ScoreAsync(GigRecord gig)
    {
        var group = await peers.ActiveGroupAsync(gig);
        var means = group is null ? PeerMeans.Uniform(Policy.PriorAreaMean) : await peers.GetMeansAsync(group);
        if (group is null || gig.Aggregate.ScoredOrders < Policy.MinScoredOrders)
        {
            var unranked = GigScorer.Score(gig.Aggregate, means, PeerRanking.Empty, null, Policy);
            return new ScoredGig(gig, unranked, group, group is null ? 0 : await peers.SizeAsync(group), means);
        }

        var (counts, ranked) = await peers.RankAsync(group, GigScorer.Quality(gig.Aggregate, means, Policy).Quality, gig.GigId);
        return new ScoredGig(gig, GigScorer.Score(gig.Aggregate, means, counts, ranked, Policy), group, counts.Count, means);
    }

    /// <summary>Every Gig of the seller, scored now, in Gig id order.</summary>
    public async Task<IReadOnlyList<ScoredGig>> ScoreGigsAsync(string sellerId)
    {
        var ids = (await Db.SetMembersAsync(ScoringKeys.SellerGigs(sellerId))).Select(v => (string)v!).Order(StringComparer.Ordinal);
        var scored = new List<ScoredGig>();
        foreach (var id in ids)
        {
            if (await GetGigAsync(id) is { } gig)
            {
                scored.Add(await ScoreAsync(gig));
            }
        }

        return scored;
    }

    /// <summary>The level metrics of SPEC 5.4 now, with the seller's success score computed from their Gigs now.</summary>
    public async Task<LevelMetrics> CurrentMetricsAsync(string sellerId, DateTimeOffset now) =>
        await MetricsAsync(sellerId, SellerScore.Of((await ScoreGigsAsync(sellerId)).Select(g => g.Score)).Score, now);

    /// <summary>
    /// The level metrics of SPEC 5.4 now: the rating over its window, the response rate as Messaging
    /// last reported it (null without buyer-opened conversations: the level policy decides), the
    /// completed orders, clients and earnings.
    /// </summary>
    public async Task<LevelMetrics> MetricsAsync(string sellerId, double? successScore, DateTimeOffset now)
    {
        var ratingsFrom = now.AddDays(-Policy.RatingWindowDays).ToUnixTimeSeconds();
        var ratings = (await Db.HashValuesAsync(ScoringKeys.SellerRatings(sellerId)))
            .Select(v => ((string)v!).Split(' '))
            .Where(p => long.Parse(p[0], CultureInfo.InvariantCulture) >= ratingsFrom)
            .Select(p => int.Parse(p[1], CultureInfo.InvariantCulture))
            .ToList();

        var totals = SellerTotals.FromFields(HashReader.From($"scoring totals of {sellerId}", await Db.HashGetAllAsync(ScoringKeys.SellerTotals(sellerId))));
        var clients = await Db.SetLengthAsync(ScoringKeys.SellerClients(sellerId));
        var response = ResponseReport.FromFields(HashReader.From($"response stats of {sellerId}", await Db.HashGetAllAsync(ScoringKeys.SellerResponseStats(sellerId))));

        return new LevelMetrics(
            successScore,
            ratings.Count > 0 ? ratings.Average() : null,
            response?.Rate,
            (int)Math.Min(totals.Completed, int.MaxValue),
            (int)Math.Min(clients, int.MaxValue),
            totals.EarnedCents / 100m);
    }

    // ---- facts events bring ----

    /// <summary>
    /// A completed order: one more completed order, its buyer a client, its amount (less refunds)
    /// earned. The totals are read as a commit condition and added with checked arithmetic: a sum that
    /// would leave the 64-bit range is refused before anything is staged (the event is malformed for
    /// Scoring and goes to the dead-letter topic with the reason), never half applied.
    /// </summary>
    public static async Task StageCompletedAsync(UnitOfWork work, string orderId, string sellerId, string buyerId, decimal earnedCents)
    {
        var key = ScoringKeys.SellerTotals(sellerId);
        var totals = SellerTotals.FromFields(HashReader.From($"scoring totals of {sellerId}", await work.ReadHashAsync(key)));
        if (earnedCents < 0 || totals.EarnedCents + earnedCents > long.MaxValue || totals.Completed == long.MaxValue)
        {
            throw new MalformedEventException(
                $"order {orderId}: the seller's earnings ({totals.EarnedCents} + {earnedCents} USD cents) or completed orders ({totals.Completed} + 1) " +
                $"would leave the range Scoring keeps (0 to {long.MaxValue}); refused, nothing written");
        }

        work.HashIncrement(key, "completed", 1);
        work.HashIncrement(key, "earned_cents", (long)earnedCents);
        work.SetAdd(ScoringKeys.SellerClients(sellerId), buyerId);
    }

    /// <summary>The public overall rating of an order while its review is published; removed otherwise.</summary>
    public static void StageRating(UnitOfWork work, string sellerId, string orderId, long? publishedSeconds, int overall)
    {
        var key = ScoringKeys.SellerRatings(sellerId);
        if (publishedSeconds is { } at)
        {
            work.HashSet(key, orderId, string.Create(CultureInfo.InvariantCulture, $"{at} {overall}"));
        }
        else
        {
            work.HashDelete(key, orderId);
        }
    }

    /// <summary>Marks the seller for re-evaluation (level and flag) by <see cref="Background.SellerEvaluationLoop"/>.</summary>
    public static void StageDirty(UnitOfWork work, string sellerId)
    {
        work.SetAdd(ScoringKeys.Sellers, sellerId);
        work.HashIncrement(ScoringKeys.DirtySellers, sellerId, 1);
    }

    /// <summary>Whether the seller is marked for re-evaluation, read as a commit condition: a new mark meanwhile re-runs the work.</summary>
    public static async Task<bool> ReadDirtyMarkAsync(UnitOfWork work, string sellerId) =>
        !(await work.ReadHashFieldAsync(ScoringKeys.DirtySellers, sellerId)).IsNull;

    /// <summary>The seller was evaluated: clears the mark and a parking from earlier failures.</summary>
    public static void StageEvaluated(UnitOfWork work, string sellerId)
    {
        work.HashDelete(ScoringKeys.DirtySellers, sellerId);
        work.HashDelete(ScoringKeys.ParkedSellers, sellerId);
    }

    /// <summary>Up to <paramref name="take"/> sellers marked for re-evaluation.</summary>
    public async Task<IReadOnlyList<string>> DirtyAsync(int take) =>
        (await Db.HashKeysAsync(ScoringKeys.DirtySellers)).Take(take).Select(v => (string)v!).ToList();

    /// <summary>Every seller Scoring knows, in id order (the daily evaluation walks them).</summary>
    public async Task<IReadOnlyList<string>> AllSellersAsync() =>
        (await Db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
}

/// <summary>A seller's level totals (<see cref="ScoringKeys.SellerTotals"/>): completed orders and earnings in USD cents.</summary>
public sealed record SellerTotals(long Completed, long EarnedCents)
{
    public static SellerTotals FromFields(HashReader f) => new(f.OptionalLong("completed") ?? 0, f.OptionalLong("earned_cents") ?? 0);
}

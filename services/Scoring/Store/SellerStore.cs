using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// A seller's state in Redis: their record, the per-seller facts that events bring (published
/// ratings, completed orders and clients, the dirty mark) and the lists the evaluations walk.
/// Scores and level metrics are read with <see cref="ScoreReads"/>.
/// </summary>
public sealed class SellerStore(RedisConnection redis)
{
    private IDatabase Db => redis.Database;

    public async Task<bool> IsKnownAsync(string sellerId) => await Db.SetContainsAsync(ScoringKeys.Sellers, sellerId);

    /// <summary>The seller's record as the unit of work reads it (a commit condition: its <see cref="SellerRecord.RevisionField"/>).</summary>
    public static async Task<SellerRecord> ReadRecordAsync(UnitOfWork work, string sellerId) =>
        SellerRecord.FromFields(HashReader.From(RecordName(sellerId), await work.ReadVersionedHashAsync(ScoringKeys.Seller(sellerId), SellerRecord.RevisionField)));

    /// <summary>Several sellers' records in one pipelined round trip (each a commit condition: its revision), aligned with <paramref name="sellerIds"/>.</summary>
    public static async Task<IReadOnlyList<SellerRecord>> ReadRecordsAsync(UnitOfWork work, IReadOnlyList<string> sellerIds)
    {
        var hashes = await work.ReadVersionedHashesAsync(sellerIds.Select(ScoringKeys.Seller).ToArray(), SellerRecord.RevisionField);
        return sellerIds.Select((sellerId, i) => SellerRecord.FromFields(HashReader.From(RecordName(sellerId), hashes[i]))).ToList();
    }

    /// <summary>
    /// Stages the seller's new record, replacing the whole hash, at the revision after the one
    /// <paramref name="record"/> was read at (the unit of work read it, so its commit condition makes
    /// sure no other write came in between and the revision only ever grows).
    /// </summary>
    public static void StageRecord(UnitOfWork work, string sellerId, SellerRecord record)
    {
        var key = ScoringKeys.Seller(sellerId);
        work.KeyDelete(key);
        work.HashSet(key, (record with { Revision = record.Revision + 1 }).ToFields().Entries);
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

        work.HashIncrement(key, [new("completed", 1), new("earned_cents", (long)earnedCents)]);
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

    /// <summary>Marks the seller for re-evaluation (level and flag) by <see cref="Background.SellerEvaluationLoop"/>; <see cref="StageKnown"/> too.</summary>
    public static void StageDirty(UnitOfWork work, string sellerId)
    {
        StageKnown(work, sellerId);
        work.HashIncrement(ScoringKeys.DirtySellers, sellerId, 1);
    }

    /// <summary>Adds the seller to the sellers Scoring knows (their reads answer, the daily evaluation takes them), without a re-evaluation now.</summary>
    public static void StageKnown(UnitOfWork work, string sellerId) => work.SetAdd(ScoringKeys.Sellers, sellerId);

    /// <summary>An event of the seller's: <see cref="StageDirty"/> when it changed what an evaluation reads (<paramref name="reevaluate"/>), else <see cref="StageKnown"/>.</summary>
    public static void StageEventOf(UnitOfWork work, string sellerId, bool reevaluate)
    {
        if (reevaluate)
        {
            StageDirty(work, sellerId);
        }
        else
        {
            StageKnown(work, sellerId);
        }
    }

    /// <summary>
    /// Several sellers' dirty marks (null where none) in one pipelined round trip, each read as a
    /// commit condition: a new mark meanwhile re-runs the work.
    /// </summary>
    public static async Task<IReadOnlyList<RedisValue>> ReadDirtyMarksAsync(UnitOfWork work, IReadOnlyList<string> sellerIds) =>
        await work.ReadHashFieldsAsync(sellerIds.Select(sellerId => (ScoringKeys.DirtySellers, sellerId)).ToArray());

    /// <summary>The seller was evaluated: clears the mark and a parking from earlier failures.</summary>
    public static void StageEvaluated(UnitOfWork work, string sellerId)
    {
        work.HashDelete(ScoringKeys.DirtySellers, sellerId);
        work.HashDelete(ScoringKeys.ParkedSellers, sellerId);
    }

    /// <summary>
    /// Up to <paramref name="take"/> sellers marked for re-evaluation, picked at random (HRANDFIELD:
    /// O(take) however many are marked during a burst, and replicas mostly pick different ones).
    /// </summary>
    public async Task<IReadOnlyList<string>> DirtyAsync(int take) =>
        (await Db.HashRandomFieldsAsync(ScoringKeys.DirtySellers, take)).Select(v => (string)v!).ToList();

    /// <summary>Every seller Scoring knows, in id order (the daily evaluation walks them).</summary>
    public async Task<IReadOnlyList<string>> AllSellersAsync() =>
        (await Db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
}

/// <summary>A seller's level totals (<see cref="ScoringKeys.SellerTotals"/>): completed orders and earnings in USD cents.</summary>
public sealed record SellerTotals(long Completed, long EarnedCents)
{
    public static SellerTotals FromFields(HashReader f) => new(f.OptionalLong("completed") ?? 0, f.OptionalLong("earned_cents") ?? 0);
}

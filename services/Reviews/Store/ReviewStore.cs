using System.Globalization;
using Google.Protobuf;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Reviews.Domain;
using StackExchange.Redis;

namespace Marketplace.Reviews.Store;

/// <summary>
/// Reads and writes the Reviews state in Redis: inside a <see cref="UnitOfWork"/> for commands
/// (every read becomes a commit condition; writes and events commit together), and directly for
/// queries. Keeps the per-Gig index of published reviews in step with each record.
/// </summary>
public sealed class ReviewStore(RedisConnection redis)
{
    /// <summary>The order (null when unknown) and its review record (null when nothing was written yet).</summary>
    public async Task<(ReviewableOrder? Order, ReviewRecord? Record)> ReadAsync(UnitOfWork work, string orderId)
    {
        var order = OrderFactsFields.ToOrder(Strings(await work.ReadHashAsync(ReviewKeys.Order(orderId))));
        var record = await work.ReadHashAsync(ReviewKeys.Review(orderId));
        return (order, record.Count == 0 ? null : ReviewFields.FromFields(Strings(record)));
    }

    /// <summary>
    /// The buyer's standing when <paramref name="order"/> ended: completed orders other than this
    /// one that completed before it was cancelled (SPEC 4 "has completed at least one earlier order").
    /// </summary>
    public async Task<BuyerStanding> ReadStandingAsync(UnitOfWork work, ReviewableOrder order, bool hasActiveSellerAccount) =>
        Standing(await work.ReadHashAsync(ReviewKeys.BuyerCompletedOrders(order.BuyerId)), order, hasActiveSellerAccount);

    /// <summary>As <see cref="ReadStandingAsync"/>, for queries.</summary>
    public async Task<BuyerStanding> GetStandingAsync(ReviewableOrder order, bool hasActiveSellerAccount)
    {
        var entries = await redis.Database.HashGetAllAsync(ReviewKeys.BuyerCompletedOrders(order.BuyerId));
        return Standing(entries.Select(e => new KeyValuePair<string, RedisValue>(e.Name!, e.Value)), order, hasActiveSellerAccount);
    }

    /// <summary>Stages the record, its events (subject: the order id), the Gig index and the publication schedule.</summary>
    public static void Write(UnitOfWork work, ReviewRecord record, IReadOnlyList<IMessage> events)
    {
        work.HashSet(ReviewKeys.Review(record.OrderId),
            ReviewFields.ToFields(record).Select(f => new KeyValuePair<string, RedisValue>(f.Key, f.Value)));
        foreach (var payload in events)
        {
            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), record.OrderId, payload);
        }

        var index = ReviewKeys.GigPublished(record.GigId);
        if (record.IsPublic && record.PublishedAt is { } publishedAt)
        {
            work.SortedSetAdd(index, record.OrderId, publishedAt.ToUnixTimeMilliseconds());
        }
        else
        {
            work.SortedSetRemove(index, record.OrderId);
        }

        if (record.Status == ReviewStatus.PendingPublication && record.WindowEndsAt is { } windowEndsAt)
        {
            work.SortedSetAdd(ReviewKeys.PendingPublication, record.OrderId, windowEndsAt.ToUnixTimeMilliseconds());
        }
        else
        {
            work.SortedSetRemove(ReviewKeys.PendingPublication, record.OrderId);
        }
    }

    /// <summary>Order ids whose pending review's window has ended at <paramref name="now"/>, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<string>> GetDuePublicationsAsync(DateTimeOffset now, int limit)
    {
        var ids = await redis.Database.SortedSetRangeByScoreAsync(ReviewKeys.PendingPublication, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return ids.Select(id => (string)id!).ToList();
    }

    public async Task<ReviewableOrder?> GetOrderAsync(string orderId) =>
        OrderFactsFields.ToOrder(Strings(await redis.Database.HashGetAllAsync(ReviewKeys.Order(orderId))));

    public async Task<ReviewRecord?> GetRecordAsync(string orderId)
    {
        var entries = await redis.Database.HashGetAllAsync(ReviewKeys.Review(orderId));
        return entries.Length == 0 ? null : ReviewFields.FromFields(Strings(entries));
    }

    /// <summary>A page of a Gig's published reviews, newest first, and whether more follow.</summary>
    public async Task<(IReadOnlyList<ReviewRecord> Records, bool More)> GetGigPageAsync(string gigId, int offset, int count)
    {
        var ids = await redis.Database.SortedSetRangeByRankAsync(ReviewKeys.GigPublished(gigId), offset, offset + count, Order.Descending);
        var records = new List<ReviewRecord>(count);
        foreach (var id in ids.Take(count))
        {
            // Skips a record removed between the index read and this read.
            if (await GetRecordAsync((string)id!) is { IsPublic: true } record)
            {
                records.Add(record);
            }
        }

        return (records, ids.Length > count);
    }

    private static BuyerStanding Standing(IEnumerable<KeyValuePair<string, RedisValue>> completed, ReviewableOrder order, bool hasActiveSellerAccount)
    {
        var before = order.CancelledAt ?? DateTimeOffset.MaxValue;
        var count = completed.Count(entry =>
            entry.Key != order.OrderId
            && DateTimeOffset.Parse((string)entry.Value!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) < before);
        return new BuyerStanding(count, hasActiveSellerAccount);
    }

    private static Dictionary<string, string> Strings(IEnumerable<KeyValuePair<string, RedisValue>> entries) =>
        entries.ToDictionary(e => e.Key, e => (string)e.Value!, StringComparer.Ordinal);

    private static Dictionary<string, string> Strings(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
}

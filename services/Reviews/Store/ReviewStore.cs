using Google.Protobuf;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Redis;
using Marketplace.Platform;
using Marketplace.Reviews.Domain;
using StackExchange.Redis;

namespace Marketplace.Reviews.Store;

/// <summary>
/// Reads and writes the Reviews state in Redis: inside a <see cref="UnitOfWork"/> for commands
/// (every read becomes a commit condition; writes and events commit together), and directly for
/// queries. Keeps the per-Gig index of published reviews and the publication schedule in step
/// with each record, and the window-end schedule in step with each review window.
/// </summary>
public sealed class ReviewStore(RedisConnection redis)
{
    /// <summary>The order (null when unknown) and its review record (null when nothing was written yet).</summary>
    public static async Task<(ReviewableOrder? Order, ReviewRecord? Record)> ReadAsync(UnitOfWork work, string orderId)
    {
        var order = OrderFactsFields.ToOrder(HashReader.From(OrderFactsFields.Record, await work.ReadHashAsync(ReviewKeys.Order(orderId))));
        var record = HashReader.From(ReviewFields.Record, await work.ReadHashAsync(ReviewKeys.Review(orderId)));
        return (order, record.IsEmpty ? null : ReviewFields.Read(record));
    }

    /// <summary>
    /// The buyer's standing when <paramref name="order"/> ended: completed orders other than this
    /// one that completed before it was cancelled (SPEC 4 "has completed at least one earlier order"),
    /// counting <paramref name="alsoCompleted"/>, a completion staged in this unit but not written yet.
    /// </summary>
    public static async Task<BuyerStanding> ReadStandingAsync(
        UnitOfWork work, ReviewableOrder order, KeyValuePair<string, DateTimeOffset>? alsoCompleted = null)
    {
        var hash = await work.ReadHashAsync(ReviewKeys.BuyerCompletedOrders(order.BuyerId));
        var completed = CompletedTimes(hash.Keys, HashReader.From(CompletedOrders(order), hash));
        if (alsoCompleted is { } staged)
        {
            completed[staged.Key] = staged.Value;
        }

        return BuyerStanding.Of(order, completed);
    }

    /// <summary>As <see cref="ReadStandingAsync"/>, for queries.</summary>
    public async Task<BuyerStanding> GetStandingAsync(ReviewableOrder order)
    {
        var entries = await redis.Database.HashGetAllAsync(ReviewKeys.BuyerCompletedOrders(order.BuyerId));
        return BuyerStanding.Of(order, CompletedTimes(entries.Select(e => (string)e.Name!), HashReader.From(CompletedOrders(order), entries)));
    }

    /// <summary>The order's review window (null until one opened).</summary>
    public static async Task<ReviewWindow?> ReadWindowAsync(UnitOfWork work, string orderId) =>
        WindowFields.Read(HashReader.From(WindowFields.Record, await work.ReadHashAsync(ReviewKeys.Window(orderId))));

    /// <summary>
    /// Stages a window's new state, the event announcing it (subject: the order id) and its place
    /// in the window-end schedule (there while open, scored by its end).
    /// </summary>
    public static void WriteWindow(UnitOfWork work, ReviewWindow window, IMessage? announcement)
    {
        work.HashSet(ReviewKeys.Window(window.OrderId), WindowFields.ToFields(window).Entries);
        if (announcement is not null)
        {
            work.Publish(PlatformEvents.TypeOf(announcement.Descriptor), window.OrderId, announcement);
        }

        if (window.IsOpen)
        {
            // Due from the first millisecond after the end: a window is open through its end (a review
            // at EndsAt counts, ReviewWindow.OnTimer closes it only after), so an entry due at EndsAt
            // would be swept and put back until the time moved on (and a simulated clock stopped at
            // EndsAt would never see it settle, docs/clock.md).
            work.SortedSetAdd(ReviewKeys.WindowEnds, window.OrderId, window.EndsAt.ToUnixTimeMilliseconds() + 1);
        }
        else
        {
            work.SortedSetRemove(ReviewKeys.WindowEnds, window.OrderId);
        }
    }

    /// <summary>As <see cref="WriteWindow(UnitOfWork, ReviewWindow, IMessage?)"/>, for a change the domain decided.</summary>
    public static void WriteWindow(UnitOfWork work, WindowChange change) => WriteWindow(work, change.Window, change.Event);

    /// <summary>Stages the record, its events (subject: the order id), the Gig index and the publication schedule.</summary>
    public static void Write(UnitOfWork work, ReviewRecord record, IReadOnlyList<IMessage> events)
    {
        work.HashSet(ReviewKeys.Review(record.OrderId), ReviewFields.ToFields(record).Entries);
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

    /// <summary>
    /// Order ids due in a schedule (<see cref="ReviewKeys.PendingPublication"/>, <see cref="ReviewKeys.WindowEnds"/>)
    /// at <paramref name="now"/>, earliest first, at most <paramref name="limit"/>.
    /// </summary>
    /// <summary>When the earliest entry of <paramref name="schedule"/> after <paramref name="after"/> is due (the simulated clock's next stop), or null.</summary>
    public Task<DateTimeOffset?> NextDueAfterAsync(string schedule, DateTimeOffset after) => redis.Database.NextDueAfterAsync(schedule, after);

    public async Task<IReadOnlyList<string>> GetDueAsync(string schedule, DateTimeOffset now, int limit)
    {
        var ids = await redis.Database.SortedSetRangeByScoreAsync(schedule, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return ids.Select(id => (string)id!).ToList();
    }

    /// <summary>Takes an order that keeps failing out of a schedule and records why in its parked hash, in one transaction.</summary>
    public async Task ParkAsync(string schedule, string parked, string orderId, string error, DateTimeOffset now)
    {
        var transaction = redis.Database.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(schedule, orderId);
        _ = transaction.HashSetAsync(parked, orderId, $"{now.ToUniversalTime():O}: {error}");
        await transaction.ExecuteAsync();
    }

    public async Task<ReviewableOrder?> GetOrderAsync(string orderId) =>
        OrderFactsFields.ToOrder(HashReader.From(OrderFactsFields.Record, await redis.Database.HashGetAllAsync(ReviewKeys.Order(orderId))));

    public async Task<ReviewRecord?> GetRecordAsync(string orderId)
    {
        var record = HashReader.From(ReviewFields.Record, await redis.Database.HashGetAllAsync(ReviewKeys.Review(orderId)));
        return record.IsEmpty ? null : ReviewFields.Read(record);
    }

    /// <summary>
    /// A page of a Gig's published reviews, newest first, after <paramref name="after"/> (null: from the
    /// newest), read in one round trip from one state (<see cref="IndexPages"/>), and the next page's cursor.
    /// </summary>
    public async Task<(IReadOnlyList<ReviewRecord> Records, PageCursor? Next)> GetGigPageAsync(string gigId, PageCursor? after, int count)
    {
        var page = await IndexPages.ReadAsync(redis.Database, ReviewKeys.GigPublished(gigId), ReviewKeys.Review, after, count);
        var records = page.Items
            .Select(item => HashReader.From(ReviewFields.Record, item.Fields))
            .Where(fields => !fields.IsEmpty)
            .Select(ReviewFields.Read)
            .Where(record => record.IsPublic) // removed since it was indexed
            .ToList();
        return (records, page.Next);
    }

    /// <summary>The buyer's completed orders (field: order id, value: completion time) as errors name them.</summary>
    private static string CompletedOrders(ReviewableOrder order) => $"completed orders of buyer {order.BuyerId}";

    /// <summary>Completion times by order id (a bad time is named by the hash's field).</summary>
    private static Dictionary<string, DateTimeOffset> CompletedTimes(IEnumerable<string> orderIds, HashReader completed) =>
        orderIds.ToDictionary(id => id, completed.Time, StringComparer.Ordinal);
}

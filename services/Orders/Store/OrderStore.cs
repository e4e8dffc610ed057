using Google.Protobuf;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Redis;
using Marketplace.Orders.Domain;
using Marketplace.Platform;
using StackExchange.Redis;
using Order = Marketplace.Orders.Domain.Order;
using ResolutionStatus = Marketplace.Contracts.Orders.V1.ResolutionStatus;

namespace Marketplace.Orders.Store;

/// <summary>An order whose next policy timer is due: its id and the due time (Unix ms) it is scheduled at.</summary>
public readonly record struct DueTimer(string OrderId, long DueMs);

/// <summary>
/// Reads orders from Redis and stages their changes in a <see cref="UnitOfWork"/>: the order
/// hash, the account index, the timer entry and the order's events are committed together
/// (outbox), so state and published events never disagree.
/// </summary>
public sealed class OrderStore(RedisConnection redis)
{
    /// <summary>
    /// A Gig has one seller (SPEC 1): the first order placed for a Gig binds it to the seller it names
    /// (<see cref="OrderKeys.GigSeller"/>), and an order naming another seller for it is refused
    /// (FAILED_PRECONDITION naming both) and stores nothing. Accepted, it would have reached Scoring,
    /// which cannot put one Gig's orders under two sellers: dead-lettered, never scored, while the
    /// buyer and the seller it named saw an order.
    /// </summary>
    public static async Task StageGigSellerAsync(UnitOfWork work, string gigId, string sellerId)
    {
        var key = OrderKeys.GigSeller(gigId);
        var owner = await work.ReadStringAsync(key);
        if (owner.IsNull)
        {
            work.StringSet(key, sellerId);
        }
        else if ((string?)owner != sellerId)
        {
            throw Rejection.FailedPrecondition(
                $"gig_id {RequestFields.Shown(gigId)} is a Gig of seller {RequestFields.Shown(owner)}, not of seller_id {RequestFields.Shown(sellerId)}: a Gig has one seller").ToException();
        }
    }

    /// <summary>
    /// The order as the unit of work reads it, or null when unknown. Its commit condition is the hash's
    /// revision (<see cref="OrderFields.RevisionField"/>, raised by every write in <see cref="StageChanged"/>):
    /// one field checked in the commit instead of each of the order's 30 to 60.
    /// </summary>
    public static async Task<Order?> ReadAsync(UnitOfWork work, string orderId)
    {
        var fields = await work.ReadVersionedHashAsync(OrderKeys.Order(orderId), OrderFields.RevisionField);
        return fields.Count == 0 ? null : OrderFields.FromFields(fields.ToDictionary(f => f.Key, f => (string)f.Value!, StringComparer.Ordinal));
    }

    /// <summary>The current order outside any unit of work (reads), or null when unknown.</summary>
    public async Task<Order?> GetAsync(string orderId)
    {
        var entries = await redis.Database.HashGetAllAsync(OrderKeys.Order(orderId));
        return entries.Length == 0 ? null : FromEntries(entries);
    }

    private static Order FromEntries(HashEntry[] entries) =>
        OrderFields.FromFields(entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal));

    /// <summary>
    /// One page of an account's orders, newest first, after <paramref name="after"/> (null: from the
    /// newest), read in one round trip from one state (<see cref="IndexPages"/>).
    /// </summary>
    public async Task<(IReadOnlyList<Order> Orders, PageCursor? Next)> ListAsync(string accountId, PageCursor? after, int take)
    {
        var page = await IndexPages.ReadAsync(redis.Database, OrderKeys.AccountOrders(accountId), OrderKeys.Order, after, take);
        var orders = page.Items
            .Where(item => item.Fields.Length > 0) // indexed, but its hash is gone: nothing to show
            .Select(item => FromEntries(item.Fields))
            .ToList();
        return (orders, page.Next);
    }

    /// <summary>Order ids whose next timer is due at or before <paramref name="now"/>, earliest first.</summary>
    /// <summary>When the earliest timer after <paramref name="after"/> is due (the simulated clock's next stop), or null.</summary>
    public Task<DateTimeOffset?> NextTimerAfterAsync(DateTimeOffset after) => redis.Database.NextDueAfterAsync(OrderKeys.Timers, after);

    public async Task<IReadOnlyList<DueTimer>> DueTimersAsync(DateTimeOffset now, int take)
    {
        var entries = await redis.Database.SortedSetRangeByScoreWithScoresAsync(
            OrderKeys.Timers, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: take);
        return entries.Select(e => new DueTimer((string)e.Element!, (long)e.Score)).ToList();
    }

    /// <summary>Takes a timer that keeps failing out of the schedule and records why, in one transaction.</summary>
    public async Task ParkTimerAsync(DueTimer timer, string error, DateTimeOffset now)
    {
        var transaction = redis.Database.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(OrderKeys.Timers, timer.OrderId);
        _ = transaction.HashSetAsync(OrderKeys.ParkedTimers, timer.OrderId,
            $"{now.ToUniversalTime():O} due {DateTimeOffset.FromUnixTimeMilliseconds(timer.DueMs):O}: {error}");
        await transaction.ExecuteAsync();
    }

    /// <summary>
    /// Stages a newly placed order: its hash, both parties' order lists, and its events.
    /// </summary>
    public static void StagePlaced(UnitOfWork work, Order order, IReadOnlyList<IMessage> events)
    {
        var created = order.CreatedAt.ToUnixTimeMilliseconds();
        work.SortedSetAdd(OrderKeys.AccountOrders(order.BuyerId), order.OrderId, created);
        work.SortedSetAdd(OrderKeys.AccountOrders(order.SellerId), order.OrderId, created);
        StageChanged(work, order, events);
    }

    /// <summary>
    /// Stages a changed order: the whole hash is replaced (fields of facts that no longer hold,
    /// such as a cleared auto-complete time, disappear) with its revision raised, its timer entry
    /// follows the order, and each event is published with the order id as CloudEvents subject.
    /// Every write of an order's hash goes through here, so the revision is a complete commit condition.
    /// </summary>
    public static void StageChanged(UnitOfWork work, Order order, IReadOnlyList<IMessage> events)
    {
        order = order with { StoreRevision = order.StoreRevision + 1 };
        var key = OrderKeys.Order(order.OrderId);
        work.KeyDelete(key);
        work.HashSet(key, OrderFields.ToFields(order).Entries);
        if (NextTimer(order) is { } due)
        {
            work.SortedSetAdd(OrderKeys.Timers, order.OrderId, CeilingMs(due));
        }
        else
        {
            work.SortedSetRemove(OrderKeys.Timers, order.OrderId);
        }

        foreach (var payload in events)
        {
            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), order.OrderId, payload);
        }
    }

    /// <summary>When <see cref="Order.OnTimer"/> next has something to do: auto-complete or extension auto-accept.</summary>
    public static DateTimeOffset? NextTimer(Order order)
    {
        if (order.IsClosed)
        {
            return null;
        }

        DateTimeOffset? autoAccept = order.PendingResolution is { Status: ResolutionStatus.Open, AutoAcceptAt: { } at } ? at : null;
        DateTimeOffset? autoComplete = order.State == Contracts.Orders.V1.OrderState.Delivered ? order.AutoCompleteAt : null;
        return (autoAccept, autoComplete) switch
        {
            ({ } a, { } c) => a < c ? a : c,
            ({ } a, null) => a,
            (null, { } c) => c,
            _ => null,
        };
    }

    /// <summary>Milliseconds rounded up, so a timer read as due in ms is also due to the tick.</summary>
    private static long CeilingMs(DateTimeOffset time) =>
        (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
}

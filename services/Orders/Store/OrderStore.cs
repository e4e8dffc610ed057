using System.Globalization;
using Google.Protobuf;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Orders.Domain;
using Marketplace.Platform;
using StackExchange.Redis;
using Order = Marketplace.Orders.Domain.Order;
using ResolutionStatus = Marketplace.Contracts.Orders.V1.ResolutionStatus;

namespace Marketplace.Orders.Store;

/// <summary>Where a page of an account's orders ends: the last order's creation time (Unix ms) and id.</summary>
public sealed record OrderCursor(long CreatedMs, string OrderId);

/// <summary>A page of orders, and the cursor of the next page (null on the last).</summary>
public sealed record OrderPage(IReadOnlyList<Order> Orders, OrderCursor? Next);

/// <summary>An order whose next policy timer is due: its id and the due time (Unix ms) it is scheduled at.</summary>
public readonly record struct DueTimer(string OrderId, long DueMs);

/// <summary>
/// Reads orders from Redis and stages their changes in a <see cref="UnitOfWork"/>: the order
/// hash, the account index, the timer entry and the order's events are committed together
/// (outbox), so state and published events never disagree.
/// </summary>
public sealed class OrderStore(RedisConnection redis)
{
    /// <summary>The order as the unit of work reads it (a commit condition), or null when unknown.</summary>
    public static async Task<Order?> ReadAsync(UnitOfWork work, string orderId)
    {
        var fields = await work.ReadHashAsync(OrderKeys.Order(orderId));
        return fields.Count == 0 ? null : OrderFields.FromFields(fields.ToDictionary(f => f.Key, f => (string)f.Value!, StringComparer.Ordinal));
    }

    /// <summary>The current order outside any unit of work (reads), or null when unknown.</summary>
    public async Task<Order?> GetAsync(string orderId)
    {
        var entries = await redis.Database.HashGetAllAsync(OrderKeys.Order(orderId));
        return entries.Length == 0 ? null : OrderFields.FromFields(entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal));
    }

    /// <summary>
    /// One page of an account's orders, newest first (creation time, then order id, both descending),
    /// after <paramref name="after"/> (null: from the newest), read in one round trip from one state:
    /// a read-only script walks the account index and returns each order's hash. The cursor is the
    /// last order of the page, so orders placed meanwhile neither shift nor repeat later pages.
    /// The script derives the orders' key names, so it needs one Redis (not a cluster), as the
    /// platform's writes do.
    /// </summary>
    public async Task<OrderPage> ListAsync(string accountId, OrderCursor? after, int take)
    {
        var reply = (RedisResult[])(await redis.Database.ScriptEvaluateReadOnlyAsync(PageScript,
            [OrderKeys.AccountOrders(accountId)],
            [after?.CreatedMs.ToString(CultureInfo.InvariantCulture) ?? "+inf", after?.OrderId ?? "", take + 1, OrderKeys.Order("")]))!;
        var orders = new List<(Order Order, OrderCursor Cursor)>();
        for (int i = 0; i + 2 < reply.Length && orders.Count < take + 1; i += 3)
        {
            var id = (string)reply[i]!;
            var created = (long)reply[i + 1];
            var entries = (RedisResult[])reply[i + 2]!;
            if (entries.Length == 0)
            {
                continue; // indexed, but its hash is gone: nothing to show
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int f = 0; f + 1 < entries.Length; f += 2)
            {
                fields[(string)entries[f]!] = (string)entries[f + 1]!;
            }

            orders.Add((OrderFields.FromFields(fields), new OrderCursor(created, id)));
        }

        return orders.Count > take
            ? new OrderPage(orders.Take(take).Select(o => o.Order).ToList(), orders[take - 1].Cursor)
            : new OrderPage(orders.Select(o => o.Order).ToList(), null);
    }

    /// <summary>
    /// KEYS[1] the account index; ARGV: the cursor's creation ms ("+inf" for the first page) and order
    /// id ("" for the first page), how many to return, the order key with an empty id ("orders:{}").
    /// Returns id, creation ms and HGETALL of each order, in page order.
    /// </summary>
    private const string PageScript = """
        local max, afterId, want = ARGV[1], ARGV[2], tonumber(ARGV[3])
        local prefix = string.sub(ARGV[4], 1, -2)
        local out, found, offset = {}, 0, 0
        while found < want do
          local batch = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'WITHSCORES', 'LIMIT', offset, want)
          if #batch == 0 then break end
          for i = 1, #batch, 2 do
            local id, score = batch[i], batch[i + 1]
            if afterId == '' or tonumber(score) < tonumber(max) or id < afterId then
              out[#out + 1] = id
              out[#out + 1] = score
              out[#out + 1] = redis.call('HGETALL', prefix .. id .. '}')
              found = found + 1
              if found == want then break end
            end
          end
          offset = offset + want
        end
        return out
        """;

    /// <summary>Order ids whose next timer is due at or before <paramref name="now"/>, earliest first.</summary>
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
    /// such as a cleared auto-complete time, disappear), its timer entry follows the order, and
    /// each event is published with the order id as CloudEvents subject.
    /// </summary>
    public static void StageChanged(UnitOfWork work, Order order, IReadOnlyList<IMessage> events)
    {
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

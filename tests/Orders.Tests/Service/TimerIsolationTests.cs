using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Store;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// Issue 15, finding 1, in Orders: one order whose timer fails (here its stored state cannot be read)
/// must not stop the timers of the others. The sweep (OrderTimerLoop on DueItemsLoop) retries it
/// after a growing pause on the service's clock, then parks it in <see cref="OrderKeys.ParkedTimers"/>
/// with the error for support, and the other delivered orders complete automatically meanwhile.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TimerIsolationTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly ManualClock _clock = new();
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() =>
        _orders = await OrdersHarness.StartAsync(redis, new Dictionary<string, string?> { ["Orders:TimerSweepIntervalMs"] = "50" }, _clock);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task An_order_whose_timer_keeps_failing_is_parked_and_the_other_orders_complete_automatically()
    {
        var parties = new Parties();
        var first = await _orders.OrderInStateAsync(parties, OrderState.Delivered);
        var poisoned = await _orders.OrderInStateAsync(parties, OrderState.Delivered);
        var last = await _orders.OrderInStateAsync(parties, OrderState.Delivered);
        await _orders.Redis.HashSetAsync(OrderKeys.Order(poisoned.OrderId), "state", "garbage");

        _clock.Advance(TimeSpan.FromDays(4)); // past the 3 days after which a delivered order completes
        foreach (var order in new[] { first, last })
        {
            var completed = await _orders.WaitForOrderAsync(order.OrderId, parties.Buyer, o => o.State == OrderState.Completed);
            Assert.Equal(OrderState.Completed, completed.State);
        }

        // The failing timer is retried after a growing pause on the service's clock: move it on until it is parked.
        await Wait.UntilAsync(async () =>
        {
            _clock.Advance(TimeSpan.FromMinutes(2));
            return await _orders.Redis.HashExistsAsync(OrderKeys.ParkedTimers, poisoned.OrderId);
        }, "the poisoned order's timer is parked");

        string why = (await _orders.Redis.HashGetAsync(OrderKeys.ParkedTimers, poisoned.OrderId))!;
        Assert.Contains("'state' has a bad value 'garbage'", why, StringComparison.Ordinal);
        Assert.Null(await _orders.Redis.SortedSetScoreAsync(OrderKeys.Timers, poisoned.OrderId));
        Assert.Equal("garbage", (string?)await _orders.Redis.HashGetAsync(OrderKeys.Order(poisoned.OrderId), "state"));
        foreach (var order in new[] { first, last })
        {
            Assert.False(await _orders.Redis.HashExistsAsync(OrderKeys.ParkedTimers, order.OrderId));
        }
    }
}

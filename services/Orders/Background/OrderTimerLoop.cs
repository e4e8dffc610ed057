using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Orders.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Orders.Background;

/// <summary>
/// Fires the order policy timers (SPEC 2: auto-complete 3 days after delivery; a seller's
/// extension request auto-accepted after 48 h). Every change of an order keeps its entry in the
/// timer schedule (<see cref="OrderKeys.Timers"/>, score = when its next timer is due); this loop
/// applies <see cref="Domain.Order.OnTimer"/> to each due order in a unit of work keyed
/// <c>timer:&lt;order&gt;:&lt;due ms&gt;</c>, so a firing commits once with its events even when
/// several instances sweep at the same time or a sweep is repeated after a crash. An order whose
/// timer keeps failing is parked (<see cref="OrderKeys.ParkedTimers"/>) and the others go on.
/// </summary>
public sealed class OrderTimerLoop(
    OrderStore store, UnitOfWorkExecutor executor, IOptions<OrdersOptions> options, TimeProvider clock, ILogger<OrderTimerLoop> logger)
    : DueItemsLoop<DueTimer>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.TimerSweepInterval;

    protected override Task<IReadOnlyList<DueTimer>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        store.DueTimersAsync(now, take);

    protected override async Task HandleAsync(DueTimer timer, DateTimeOffset now, CancellationToken cancellationToken) =>
        await executor.ExecuteAsync($"timer:{timer.OrderId}:{timer.DueMs}", async (work, _) =>
        {
            var order = await OrderStore.ReadAsync(work, timer.OrderId);
            if (order is null)
            {
                work.SortedSetRemove(OrderKeys.Timers, timer.OrderId);
                return;
            }

            var decision = order.OnTimer(now);
            OrderStore.StageChanged(work, decision.State!, decision.Events);
        }, cancellationToken);

    protected override Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => store.NextTimerAfterAsync(after);

    protected override Task ParkAsync(DueTimer timer, string error, CancellationToken cancellationToken) =>
        store.ParkTimerAsync(timer, error, Clock.GetUtcNow());
}

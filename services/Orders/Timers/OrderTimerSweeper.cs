using Marketplace.EventBus;
using Marketplace.Orders.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Orders.Timers;

/// <summary>
/// Fires the order policy timers (SPEC 2: auto-complete 3 days after delivery; a seller's
/// extension request auto-accepted after 48 h). Every change of an order keeps its entry in
/// the <c>orders:timers</c> sorted set (score = when its next timer is due); this loop takes
/// the due entries and applies <see cref="Domain.Order.OnTimer"/> to each in a unit of work keyed
/// <c>timer:&lt;order&gt;:&lt;due ms&gt;</c>, so a firing commits once with its events even when
/// several instances sweep at the same time or a sweep is repeated after a crash.
/// </summary>
public sealed partial class OrderTimerSweeper(
    OrderStore store, UnitOfWorkExecutor executor, OrdersOptions options, TimeProvider clock, ILogger<OrderTimerSweeper> logger)
    : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.TimerSweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Fires every timer due now (in batches until none is left).</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<(string OrderId, long DueMs)> due;
        do
        {
            due = await store.DueTimersAsync(clock.GetUtcNow(), BatchSize);
            foreach (var (orderId, dueMs) in due)
            {
                await FireAsync(orderId, dueMs, cancellationToken);
            }
        }
        while (due.Count == BatchSize && !cancellationToken.IsCancellationRequested);
    }

    private Task FireAsync(string orderId, long dueMs, CancellationToken cancellationToken) =>
        executor.ExecuteAsync($"timer:{orderId}:{dueMs}", async (work, _) =>
        {
            var order = await OrderStore.ReadAsync(work, orderId);
            if (order is null)
            {
                work.SortedSetRemove(OrderKeys.Timers, orderId);
                return;
            }

            var decision = order.OnTimer(clock.GetUtcNow());
            OrderStore.StageChanged(work, decision.State!, decision.Events);
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order timer sweep failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

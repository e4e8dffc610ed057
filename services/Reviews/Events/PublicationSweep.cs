using Marketplace.EventBus;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Publishes buyer reviews whose window ended without a seller review (SPEC 4): every sweep
/// interval, takes the due orders from the publication schedule and lets the domain decide in a
/// unit of work. Safe with several instances: the unit reads the record, so racing sweeps commit
/// once and the loser re-runs on the published record, which yields nothing.
/// </summary>
public sealed class PublicationSweep(
    UnitOfWorkExecutor executor, ReviewStore store, ReviewsOptions options, TimeProvider clock, ILogger<PublicationSweep> logger)
    : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Publication sweep failed; retrying at the next tick");
            }
        }
    }

    /// <summary>Publishes every review due now, in batches.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> due;
        do
        {
            var now = clock.GetUtcNow();
            due = await store.GetDuePublicationsAsync(now, BatchSize);
            foreach (var orderId in due)
            {
                await PublishAsync(orderId, now, cancellationToken);
            }
        }
        while (due.Count == BatchSize);
    }

    private async Task PublishAsync(string orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var (_, record) = await store.ReadAsync(work, orderId);
            if (record is null)
            {
                work.SortedSetRemove(ReviewKeys.PendingPublication, orderId);
                return;
            }

            var decision = record.OnTimer(now);
            ReviewStore.Write(work, decision.State!, decision.Events);
        }, cancellationToken);
        foreach (var e in outcome.Events)
        {
            logger.LogInformation("Order {OrderId}: {Type} ({EventId})", orderId, e.Type, e.Id);
        }
    }
}

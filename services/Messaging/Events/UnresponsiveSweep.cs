using Marketplace.EventBus;
using Marketplace.Messaging.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Marks waiting parties unresponsive (SPEC 3): every sweep interval, takes the order
/// conversations whose wait is due from the wait schedule and lets the domain decide in a unit of
/// work. Safe with several instances: the unit reads the conversation, so racing sweeps commit
/// once and the loser re-runs on the marked conversation, which yields nothing.
/// </summary>
public sealed class UnresponsiveSweep(
    UnitOfWorkExecutor executor, ConversationStore store, MessagingPolicyOptions options, TimeProvider clock, ILogger<UnresponsiveSweep> logger)
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
                logger.LogWarning(e, "Unresponsive sweep failed; retrying at the next tick");
            }
        }
    }

    /// <summary>Handles every wait due now, in batches.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> due;
        do
        {
            var now = clock.GetUtcNow();
            due = await store.GetDueWaitsAsync(now, BatchSize);
            foreach (var conversationId in due)
            {
                await MarkAsync(conversationId, now, cancellationToken);
            }
        }
        while (due.Count == BatchSize);
    }

    private async Task MarkAsync(string conversationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var conversation = await ConversationStore.ReadAsync(work, conversationId);
            if (conversation is null)
            {
                work.SortedSetRemove(MessagingKeys.Waits, conversationId);
                return;
            }

            var decision = conversation.OnTimer(now, options.Policy);
            store.Write(work, decision.State!, decision.Events);
        }, cancellationToken);
        foreach (var e in outcome.Events)
        {
            logger.LogInformation("Conversation {ConversationId}: {Type} ({EventId})", conversationId, e.Type, e.Id);
        }
    }
}

using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Messaging.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Messaging.Background;

/// <summary>
/// Marks waiting parties unresponsive (SPEC 3). Every order conversation with a running wait is in
/// the wait schedule (<see cref="MessagingKeys.Waits"/>, score = when the wait becomes
/// unresponsive); this loop lets the domain decide (<see cref="Domain.Conversation.OnTimer"/>) for
/// each due conversation in a unit of work. Safe with several instances: the unit reads the
/// conversation, so racing loops commit once and the loser re-runs on the marked conversation,
/// which yields nothing. A conversation whose mark keeps failing is parked
/// (<see cref="MessagingKeys.ParkedWaits"/>) and the others go on.
/// </summary>
public sealed partial class UnresponsiveLoop(
    ConversationStore store, UnitOfWorkExecutor executor, IOptions<MessagingOptions> options, TimeProvider clock, ILogger<UnresponsiveLoop> logger)
    : DueItemsLoop<string>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        store.GetDueWaitsAsync(now, take);

    protected override async Task HandleAsync(string conversationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var conversation = await ConversationStore.ReadAsync(work, conversationId);
            if (conversation is null)
            {
                work.SortedSetRemove(MessagingKeys.Waits, conversationId);
                return;
            }

            var order = conversation.IsAboutOrder ? await ConversationStore.ReadOrderAsync(work, conversation.OrderId) : null;
            var decision = conversation.OnTimer(now, options.Value.Policy, order?.ClosedAt);
            store.Write(work, decision.State!, decision.Events);
        }, cancellationToken);
        foreach (var e in outcome.Events)
        {
            LogMarked(Logger, conversationId, e.Type, e.Id);
        }
    }

    protected override Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => store.NextWaitAfterAsync(after);

    protected override Task ParkAsync(string conversationId, string error, CancellationToken cancellationToken) =>
        store.ParkWaitAsync(conversationId, error, Clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId}: {Type} ({EventId})")]
    private static partial void LogMarked(ILogger logger, string conversationId, string type, string eventId);
}

using Marketplace.EventBus;
using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Keeps Messaging's copy of an order's parties, state and completion from every orders event (one handler for all of
/// them, chosen from the catalogue). Each carries the full order after the change, so the handler keeps the snapshot
/// with the highest <c>version</c> and ignores older ones (events arrive late, twice or out of order). When the order
/// has left its work (delivered, completed, cancelled), a running wait on the buyer in its conversation ends, in the
/// same unit of work (SPEC 3).
/// </summary>
public sealed class OrderSnapshotHandler(ConversationStore store, TimeProvider clock, ILogger<OrderSnapshotHandler> logger)
    : SnapshotEventHandler<Order>(PlatformEvents.Topics.Orders, "order")
{
    protected override async Task HandleAsync(CloudEvent envelope, Order order, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(order.OrderId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id} has an order snapshot without order_id");
        }

        var key = MessagingKeys.Order(order.OrderId);
        var stored = await work.ReadHashFieldAsync(key, OrderPartiesFields.Version);
        if (!stored.IsNull && (long)stored >= order.Version)
        {
            logger.LogDebug("Event {EventId}: order {OrderId} v{Version} is not newer than v{Stored}; ignored", envelope.Id, order.OrderId, order.Version, (long)stored);
            return;
        }

        work.HashSet(key, OrderPartiesFields.FromSnapshot(order).Entries);
        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
        if (OrderWork.IsRunning(order.State, order.FirstDeliveredAt?.ToDateTimeOffset()))
        {
            return;
        }

        var conversationId = await work.ReadHashFieldAsync(key, OrderPartiesFields.ConversationId);
        if (conversationId.IsNullOrEmpty || await ConversationStore.ReadAsync(work, conversationId!) is not { } conversation)
        {
            return;
        }

        var decision = conversation.OrderLeftWork(OrderWork.Ends(order), clock.GetUtcNow());
        if (decision.State! != conversation)
        {
            store.Write(work, decision.State!, decision.Events);
            logger.LogDebug("Event {EventId}: the wait on the buyer in conversation {ConversationId} ended ({Events} events)",
                envelope.Id, conversation.ConversationId, decision.Events.Count);
        }
    }
}

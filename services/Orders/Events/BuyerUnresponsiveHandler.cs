using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;

namespace Marketplace.Orders.Events;

/// <summary>
/// Records Messaging's buyer-unresponsive marks on the order they concern (SPEC 2: the facts behind a
/// CANCELLATION_REASON_BUYER_UNRESPONSIVE claim). Each event carries the conversation after the mark,
/// with its mark count; the order keeps the highest count per conversation, so a repeated, late or
/// out-of-order event counts nothing twice (and the bus makes the handling idempotent on the event id).
/// The order hash is rewritten in the same commit as the event's marker; the order's version and
/// events do not change (the next order event carries the new total).
/// </summary>
public sealed class BuyerUnresponsiveHandler(ILogger<BuyerUnresponsiveHandler> logger) : Marketplace.EventBus.EventHandler<BuyerUnresponsiveMarked>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, BuyerUnresponsiveMarked payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        var conversation = payload.Conversation;
        if (conversation is null || string.IsNullOrEmpty(conversation.ConversationId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id} carries no conversation id");
        }

        if (string.IsNullOrEmpty(conversation.OrderId))
        {
            logger.LogDebug("Event {EventId}: conversation {ConversationId} is not about an order; ignored", envelope.Id, conversation.ConversationId);
            return;
        }

        if (await ConversationOrders.ReadAsync(work, conversation, envelope, logger) is not { } order)
        {
            return;
        }

        // SPEC 3: only a wait that started before the order's delivery marks the buyer.
        if (order.FirstDeliveredAt is { } delivered && payload.MessageSentAt is { } sent && sent.ToDateTimeOffset() >= delivered)
        {
            logger.LogWarning("Event {EventId}: mark on order {OrderId} for a message sent after its delivery; ignored", envelope.Id, order.OrderId);
            return;
        }

        var marked = order.WithBuyerUnresponsiveMarks(conversation.ConversationId, Math.Max(1, conversation.BuyerUnresponsiveCount), conversation.Version);
        if (marked is null)
        {
            logger.LogDebug("Event {EventId}: mark of conversation {ConversationId} already counted on order {OrderId}", envelope.Id, conversation.ConversationId, order.OrderId);
            return;
        }

        OrderStore.StageChanged(work, marked, []);
        logger.LogInformation("Event {EventId}: order {OrderId} now has {Marks} buyer-unresponsive marks", envelope.Id, order.OrderId, marked.BuyerUnresponsiveMarks);
    }
}

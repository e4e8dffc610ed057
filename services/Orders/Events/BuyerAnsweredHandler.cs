using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;

namespace Marketplace.Orders.Events;

/// <summary>
/// Follows the buyer's answers in conversations with buyer-unresponsive marks (SPEC 2): a
/// "buyer unresponsive" claim holds only while the buyer is still unresponsive, not after they
/// answered the marked wait. Only a buyer's message in an order's conversation that has marks
/// reads the order; every other message is acknowledged without a read. The answer's conversation
/// version is kept per conversation, so a repeated or out-of-order event changes nothing and a mark
/// that arrives after the answer it preceded stays answered (<see cref="Domain.Order.WithBuyerAnswered"/>).
/// </summary>
public sealed class BuyerAnsweredHandler(ILogger<BuyerAnsweredHandler> logger) : Marketplace.EventBus.EventHandler<MessageSent>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(MessageSent.Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, MessageSent payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        var conversation = payload.Conversation;
        if (payload.Message?.SenderRole != PartyRole.Buyer || conversation is null || string.IsNullOrEmpty(conversation.OrderId)
            || conversation.BuyerUnresponsiveCount == 0)
        {
            return;
        }

        if (await ConversationOrders.ReadAsync(work, conversation, envelope, logger) is not { } order)
        {
            return;
        }

        if (order.WithBuyerAnswered(conversation.ConversationId, conversation.Version) is not { } answered)
        {
            return;
        }

        OrderStore.StageChanged(work, answered, []);
        logger.LogInformation("Event {EventId}: the buyer of order {OrderId} answered in conversation {ConversationId} (v{Version})",
            envelope.Id, order.OrderId, conversation.ConversationId, conversation.Version);
    }
}

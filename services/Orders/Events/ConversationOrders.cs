using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Orders.Store;
using Microsoft.Extensions.Logging;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Events;

/// <summary>The order a Messaging event's conversation is about, as the unit of work reads it (its commit condition).</summary>
internal static class ConversationOrders
{
    /// <summary>
    /// The order of <paramref name="conversation"/>, or null (logged, never dead-lettered, so it stalls
    /// nothing) when the order is unknown (Orders creates every order id before Messaging can name it,
    /// so it is no order of ours) or the conversation's buyer and seller are not the order's.
    /// </summary>
    public static async Task<Order?> ReadAsync(UnitOfWork work, Conversation conversation, CloudEvent envelope, ILogger logger)
    {
        var order = await OrderStore.ReadAsync(work, conversation.OrderId);
        if (order is null)
        {
            logger.LogWarning("Event {EventId} ({Type}): conversation {ConversationId} names unknown order {OrderId}; ignored",
                envelope.Id, envelope.Type, conversation.ConversationId, conversation.OrderId);
            return null;
        }

        if (conversation.BuyerId != order.BuyerId || conversation.SellerId != order.SellerId)
        {
            logger.LogWarning(
                "Event {EventId} ({Type}): conversation {ConversationId} is between {Buyer} and {Seller}, not the parties of order {OrderId}; ignored",
                envelope.Id, envelope.Type, conversation.ConversationId, conversation.BuyerId, conversation.SellerId, order.OrderId);
            return null;
        }

        return order;
    }
}

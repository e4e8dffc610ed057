using Marketplace.Contracts.Common.V1;
using Marketplace.Hosting;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Store;

/// <summary>
/// The hash layout of a <see cref="Conversation"/> (key <see cref="MessagingKeys.Conversation"/>):
/// one field per fact in the platform's hash formats (<see cref="HashWriter"/>), absent fields
/// for unset times. <see cref="FromFields"/> inverts <see cref="ToFields"/> exactly and names the
/// field when stored data is corrupt.
/// </summary>
public static class ConversationFields
{
    public static HashWriter ToFields(Conversation c) => new HashWriter()
        .Set("conversation_id", c.ConversationId)
        .Set("version", c.Version)
        .Set("buyer_id", c.BuyerId)
        .Set("seller_id", c.SellerId)
        .Set("order_id", c.OrderId)
        .SetEnum("opened_by", c.OpenedBy)
        .Set("started_at", c.StartedAt)
        .Set("last_message_at", c.LastMessageAt)
        .Set("message_count", c.MessageCount)
        .SetEnum("awaiting_reply_from", c.AwaitingReplyFrom)
        .Set("current_wait_marked", c.CurrentWaitMarked)
        .Set("seller_reply_count", c.SellerReplyCount)
        .Set("total_seller_response_ticks", c.TotalSellerResponseTime)
        .Set("max_seller_response_ticks", c.MaxSellerResponseTime)
        .Set("seller_unresponsive_count", c.SellerUnresponsiveCount)
        .Set("buyer_unresponsive_count", c.BuyerUnresponsiveCount)
        .SetOptional("awaiting_since", c.AwaitingSince)
        .SetOptional("first_seller_reply_at", c.FirstSellerReplyAt)
        .SetOptional("review_requested_at", c.ReviewRequestedAt);

    /// <summary>Rebuilds the conversation; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static Conversation FromFields(IReadOnlyDictionary<string, string> fields)
    {
        var f = new HashReader("conversation", fields);
        return new Conversation
        {
            ConversationId = f.String("conversation_id"),
            Version = f.Long("version"),
            BuyerId = f.String("buyer_id"),
            SellerId = f.String("seller_id"),
            OrderId = f.String("order_id"),
            OpenedBy = f.Enum<PartyRole>("opened_by"),
            StartedAt = f.Time("started_at"),
            LastMessageAt = f.Time("last_message_at"),
            MessageCount = f.Int("message_count"),
            AwaitingReplyFrom = f.Enum<PartyRole>("awaiting_reply_from"),
            AwaitingSince = f.OptionalTime("awaiting_since"),
            CurrentWaitMarked = f.Bool("current_wait_marked"),
            SellerReplyCount = f.Int("seller_reply_count"),
            TotalSellerResponseTime = f.Duration("total_seller_response_ticks"),
            MaxSellerResponseTime = f.Duration("max_seller_response_ticks"),
            FirstSellerReplyAt = f.OptionalTime("first_seller_reply_at"),
            SellerUnresponsiveCount = f.Int("seller_unresponsive_count"),
            BuyerUnresponsiveCount = f.Int("buyer_unresponsive_count"),
            ReviewRequestedAt = f.OptionalTime("review_requested_at"),
        };
    }
}

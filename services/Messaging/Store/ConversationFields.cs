using Marketplace.Contracts.Common.V1;
using Marketplace.Hosting;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Store;

/// <summary>
/// The hash layout of a <see cref="Conversation"/> (key <see cref="MessagingKeys.Conversation"/>):
/// one field per fact in the platform's hash formats (<see cref="HashWriter"/>), absent fields
/// for unset times. <see cref="FromFields"/> inverts <see cref="ToFields"/> exactly and names the
/// field when stored data is corrupt. An unset time is an absent field, so a field that is no
/// longer set must be deleted when the conversation is written (<see cref="Cleared"/>).
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
        .SetOptional("review_requested_at", c.ReviewRequestedAt)
        .SetOptional("buyer_wait_since", c.BuyerWaitSince)
        .Set("buyer_unresponsive_wait_ticks", c.BuyerUnresponsiveWait)
        .Set("follow_up_inquiry", c.FollowUpInquiry);

    /// <summary>The optional fields <paramref name="c"/> leaves unset: the store deletes them, so a cleared time does not linger.</summary>
    public static IEnumerable<string> Cleared(Conversation c)
    {
        if (c.AwaitingSince is null)
        {
            yield return "awaiting_since";
        }

        if (c.BuyerWaitSince is null)
        {
            yield return "buyer_wait_since";
        }
    }

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
            BuyerWaitSince = f.OptionalTime("buyer_wait_since"),
            BuyerUnresponsiveWait = f.OptionalDuration("buyer_unresponsive_wait_ticks") ?? TimeSpan.Zero, // absent in hashes written before issue 12
            FollowUpInquiry = f.Has("follow_up_inquiry") && f.Bool("follow_up_inquiry"), // absent in hashes written before 2026-12-03
        };
    }
}

namespace Marketplace.Messaging.Store;

/// <summary>
/// The Messaging service's Redis keys (layout in services/Messaging/README.md). Each entity's id
/// is the hash tag, so one conversation's keys share a cluster slot.
/// </summary>
public static class MessagingKeys
{
    /// <summary>Hash: the conversation's facts (<see cref="ConversationFields"/>).</summary>
    public static string Conversation(string conversationId) => $"messaging:{{{conversationId}}}:conversation";

    /// <summary>Hash: field = message sequence number (1, 2, ...), value = the serialized ChatMessage.</summary>
    public static string Messages(string conversationId) => $"messaging:{{{conversationId}}}:messages";

    /// <summary>Hash: what Messaging knows about an order (<see cref="OrderPartiesFields"/>) and its conversation id.</summary>
    public static string Order(string orderId) => $"messaging:{{{orderId}}}:order";

    /// <summary>Sorted set: a seller's conversation ids scored by start time (Unix ms), for response statistics.</summary>
    public static string SellerConversations(string sellerId) => $"messaging:seller:{{{sellerId}}}:conversations";

    /// <summary>
    /// Hash: conversation id → what it brings to the seller's response statistics
    /// (<see cref="ResponseFactsFields"/>), for the conversations in the current period (those that
    /// left it are removed when the stats are next evaluated).
    /// </summary>
    public static string SellerResponseFacts(string sellerId) => $"messaging:seller:{{{sellerId}}}:response-facts";

    /// <summary>String: the seller's response statistics last published (serialized ResponseStats).</summary>
    public static string SellerResponseStats(string sellerId) => $"messaging:seller:{{{sellerId}}}:response-stats";

    /// <summary>Sorted set: sellers whose statistics change with time alone, scored by when next (Unix ms).</summary>
    public const string ResponseStatsDue = "messaging:{response-stats}";

    /// <summary>Hash: seller id → when and why evaluating their statistics was parked (it failed repeatedly), for support.</summary>
    public const string ResponseStatsParked = "messaging:{response-stats}:parked";

    /// <summary>Sorted set: order conversations with a running wait, scored by when the wait becomes unresponsive (Unix ms).</summary>
    public const string Waits = "messaging:{waits}";

    /// <summary>
    /// Hash: conversation id → when and why its wait was parked (marking it failed repeatedly), for
    /// support. Same hash tag as <see cref="Waits"/>, so parking is one transaction.
    /// </summary>
    public const string ParkedWaits = "messaging:{waits}:parked";
}

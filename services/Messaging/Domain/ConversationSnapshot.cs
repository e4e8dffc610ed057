using Google.Protobuf.WellKnownTypes;
using ConversationMessage = Marketplace.Contracts.Messaging.V1.Conversation;

namespace Marketplace.Messaging.Domain;

/// <summary>Maps a <see cref="Conversation"/> to the protobuf carried by every messaging event and returned by the API.</summary>
public static class ConversationSnapshot
{
    public static ConversationMessage ToMessage(Conversation c) => new()
    {
        ConversationId = c.ConversationId,
        Version = c.Version,
        BuyerId = c.BuyerId,
        SellerId = c.SellerId,
        OrderId = c.OrderId,
        OpenedBy = c.OpenedBy,
        StartedAt = Timestamp.FromDateTimeOffset(c.StartedAt),
        LastMessageAt = Timestamp.FromDateTimeOffset(c.LastMessageAt),
        MessageCount = c.MessageCount,
        AwaitingReplyFrom = c.AwaitingReplyFrom,
        AwaitingSince = c.AwaitingSince is { } since ? Timestamp.FromDateTimeOffset(since) : null,
        SellerReplyCount = c.SellerReplyCount,
        TotalSellerResponseTime = Duration.FromTimeSpan(c.TotalSellerResponseTime),
        MaxSellerResponseTime = Duration.FromTimeSpan(c.MaxSellerResponseTime),
        FirstSellerReplyAt = c.FirstSellerReplyAt is { } first ? Timestamp.FromDateTimeOffset(first) : null,
        SellerUnresponsiveCount = c.SellerUnresponsiveCount,
        BuyerUnresponsiveCount = c.BuyerUnresponsiveCount,
        ReviewRequestedAt = c.ReviewRequestedAt is { } requested ? Timestamp.FromDateTimeOffset(requested) : null,
        BuyerUnresponsiveWait = c.BuyerUnresponsiveWait > TimeSpan.Zero ? Duration.FromTimeSpan(c.BuyerUnresponsiveWait) : null,
    };
}

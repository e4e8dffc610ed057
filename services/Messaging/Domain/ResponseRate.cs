using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// SPEC 3: a seller's response rate = share of buyer-opened conversations answered within
/// 24 h, over conversations started in the last 90 days; and the mean seller response time
/// over the same conversations. A buyer-opened conversation still inside its 24 h with no
/// answer is not counted yet (the seller can still answer in time).
/// </summary>
public static class ResponseRate
{
    public static ResponseStats Compute(string sellerId, IEnumerable<Conversation> conversations, DateTimeOffset now, MessagingPolicy policy)
    {
        var windowStart = now - policy.ResponseRatePeriod;
        var inWindow = conversations
            .Where(c => c.SellerId == sellerId && c.StartedAt >= windowStart && c.StartedAt <= now)
            .ToList();

        var opened = 0;
        var answered = 0;
        foreach (var c in inWindow.Where(c => c.OpenedBy == PartyRole.Buyer))
        {
            var answeredInTime = c.FirstSellerReplyAt is { } reply && reply - c.StartedAt <= policy.ResponseWindow;
            var stillOpen = c.FirstSellerReplyAt is null && now - c.StartedAt <= policy.ResponseWindow;
            if (stillOpen)
            {
                continue;
            }

            opened++;
            answered += answeredInTime ? 1 : 0;
        }

        var replies = inWindow.Sum(c => c.SellerReplyCount);
        var stats = new ResponseStats
        {
            SellerId = sellerId,
            BuyerOpenedConversations = opened,
            AnsweredWithinWindow = answered,
            WindowStart = Timestamp.FromDateTimeOffset(windowStart),
            WindowEnd = Timestamp.FromDateTimeOffset(now),
        };
        if (opened > 0)
        {
            stats.ResponseRate = (double)answered / opened;
        }

        if (replies > 0)
        {
            var total = inWindow.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.TotalSellerResponseTime);
            stats.MeanResponseTime = Duration.FromTimeSpan(total / replies);
        }

        return stats;
    }
}

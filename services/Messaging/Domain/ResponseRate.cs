using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>What one conversation brings to its seller's response statistics.</summary>
/// <param name="BuyerOpened">The buyer sent the first message (only those count for the rate).</param>
/// <param name="FirstSellerReplyAt">The seller's first reply in a buyer-opened conversation.</param>
/// <param name="BuyerId">The conversation's buyer ("" in facts stored before follow-ups were told apart: such a conversation is nobody's earlier inquiry).</param>
/// <param name="FollowUp">A follow-up inquiry (<see cref="Conversation.FollowUpInquiry"/>): not counted for the rate.</param>
public sealed record ResponseFacts(
    DateTimeOffset StartedAt, bool BuyerOpened, DateTimeOffset? FirstSellerReplyAt, int SellerReplyCount, TimeSpan TotalSellerResponseTime,
    string BuyerId = "", bool FollowUp = false)
{
    public static ResponseFacts Of(Conversation c) =>
        new(c.StartedAt, c.OpenedBy == PartyRole.Buyer, c.FirstSellerReplyAt, c.SellerReplyCount, c.TotalSellerResponseTime, c.BuyerId, c.FollowUpInquiry);

    /// <summary>A buyer-opened conversation that counts for the rate on its own: an inquiry, not a follow-up of one.</summary>
    public bool IsInquiry => BuyerOpened && !FollowUp;

    /// <summary>Whether the conversation can move any figure: buyer-opened, or with timed seller replies.</summary>
    public bool Counts => BuyerOpened || SellerReplyCount > 0;
}

/// <summary>
/// The one computation of a seller's response statistics (SPEC 3), used for the published
/// messaging.response_stats_changed.v1 and for GetResponseStats alike:
/// <list type="bullet">
/// <item>the period is the policy's 90 days up to the evaluation time, by conversation start;</item>
/// <item>a buyer-opened conversation counts once it is decided: answered (its first seller reply
/// is counted as answered when it came within the 24 h response window), or its window passed
/// without an answer (then it counts as not answered). Until then it is not counted: the seller
/// can still answer in time;</item>
/// <item>a buyer's follow-up inquiry (a conversation the buyer opened while an earlier inquiry of
/// theirs to the same seller still waited for the seller's first reply within its window,
/// <see cref="IsFollowUp"/>) is the same question asked again and is not counted: one buyer opening
/// many conversations while the seller is away counts once per response window, not once each;</item>
/// <item>response rate = answered / counted; <b>absent when no buyer-opened conversation counts</b>
/// (a seller nobody asked has no rate; what that means for a level is the level policy's);</item>
/// <item>mean response time = the seller's response times (buyer message -> seller's next message)
/// in the period's conversations over their number; absent when there are none.</item>
/// </list>
/// The figures change with time alone when a question's response window passes unanswered and when a
/// conversation leaves the period (<see cref="NextChange"/>).
/// </summary>
public static class ResponseRate
{
    public static ResponseStats Compute(string sellerId, IEnumerable<Conversation> conversations, DateTimeOffset now, MessagingPolicy policy) =>
        Compute(sellerId, conversations.Where(c => c.SellerId == sellerId).Select(ResponseFacts.Of), now, policy);

    public static ResponseStats Compute(string sellerId, IEnumerable<ResponseFacts> conversations, DateTimeOffset now, MessagingPolicy policy)
    {
        var windowStart = now - policy.ResponseRatePeriod;
        var inPeriod = conversations.Where(c => InPeriod(c, now, policy)).ToList();

        var counted = 0;
        var answered = 0;
        foreach (var c in inPeriod.Where(c => c.IsInquiry))
        {
            var reply = c.FirstSellerReplyAt is { } r && r <= now ? r : (DateTimeOffset?)null;
            if (reply is null && now - c.StartedAt <= policy.ResponseWindow)
            {
                continue; // still open: the seller can answer in time
            }

            counted++;
            answered += reply is { } at && at - c.StartedAt <= policy.ResponseWindow ? 1 : 0;
        }

        var stats = new ResponseStats
        {
            SellerId = sellerId,
            BuyerOpenedConversations = counted,
            AnsweredWithinWindow = answered,
            WindowStart = Timestamp.FromDateTimeOffset(windowStart),
            WindowEnd = Timestamp.FromDateTimeOffset(now),
        };
        if (counted > 0)
        {
            stats.ResponseRate = (double)answered / counted;
        }

        var replies = inPeriod.Sum(c => c.SellerReplyCount);
        if (replies > 0)
        {
            var total = inPeriod.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.TotalSellerResponseTime);
            stats.MeanResponseTime = Duration.FromTimeSpan(total / replies);
        }

        return stats;
    }

    /// <summary>A conversation started in the period ending at <paramref name="now"/>.</summary>
    public static bool InPeriod(ResponseFacts c, DateTimeOffset now, MessagingPolicy policy) =>
        c.StartedAt >= now - policy.ResponseRatePeriod && c.StartedAt <= now;

    /// <summary>A conversation that started before the period ending at <paramref name="now"/>: it never counts again.</summary>
    public static bool LeftPeriod(ResponseFacts c, DateTimeOffset now, MessagingPolicy policy) =>
        c.StartedAt < now - policy.ResponseRatePeriod;

    /// <summary>
    /// The first time after <paramref name="after"/> at which the figures may change with time
    /// alone: an unanswered question's response window passes, or a conversation leaves the period.
    /// Null when nothing is left to change.
    /// </summary>
    public static DateTimeOffset? NextChange(IEnumerable<ResponseFacts> conversations, DateTimeOffset after, MessagingPolicy policy)
    {
        DateTimeOffset? next = null;
        foreach (var c in conversations)
        {
            var leaves = c.StartedAt + policy.ResponseRatePeriod + TimeSpan.FromTicks(1);
            Earliest(ref next, leaves, after);
            if (c.IsInquiry && c.FirstSellerReplyAt is null)
            {
                Earliest(ref next, c.StartedAt + policy.ResponseWindow + TimeSpan.FromTicks(1), after);
            }
        }

        return next;
    }

    /// <summary>
    /// Whether a conversation that <paramref name="buyerId"/> opens with the seller at
    /// <paramref name="startedAt"/> is a follow-up inquiry: one of <paramref name="sellerConversations"/>
    /// (the seller's conversations in the period) is an inquiry of the same buyer started at most one
    /// response window before, and still without the seller's first reply. Only inquiries anchor a
    /// follow-up, so a buyer who keeps asking while the seller stays away counts once per window.
    /// Decided once, when the conversation starts: what it depends on cannot change afterwards (a
    /// reply that comes later comes after this start too).
    /// </summary>
    public static bool IsFollowUp(string buyerId, DateTimeOffset startedAt, IEnumerable<ResponseFacts> sellerConversations, MessagingPolicy policy) =>
        buyerId.Length > 0 && sellerConversations.Any(e =>
            e.IsInquiry
            && e.BuyerId == buyerId
            && e.StartedAt <= startedAt
            && startedAt - e.StartedAt <= policy.ResponseWindow
            && (e.FirstSellerReplyAt is not { } reply || reply > startedAt));

    /// <summary>The stats of a seller with nothing in the period.</summary>
    public static ResponseStats None(string sellerId) => new() { SellerId = sellerId };

    /// <summary>The same figures (counts, rate, mean response time), whatever evaluation times they were computed at.</summary>
    public static bool SameFigures(ResponseStats a, ResponseStats b) =>
        a.BuyerOpenedConversations == b.BuyerOpenedConversations
        && a.AnsweredWithinWindow == b.AnsweredWithinWindow
        && a.HasResponseRate == b.HasResponseRate
        && (!a.HasResponseRate || a.ResponseRate.Equals(b.ResponseRate))
        && Equals(a.MeanResponseTime, b.MeanResponseTime);

    private static void Earliest(ref DateTimeOffset? next, DateTimeOffset candidate, DateTimeOffset after)
    {
        if (candidate > after && (next is null || candidate < next))
        {
            next = candidate;
        }
    }
}

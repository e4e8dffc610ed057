using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Xunit;

namespace Marketplace.Reviews.Tests;

/// <summary>Order facts as Reviews receives them, and decision assertions.</summary>
internal static class Scenario
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly Actor Buyer = Actor.Buyer("b-1");
    public static readonly Actor Seller = Actor.Seller("s-1");
    public static readonly Actor Support = Actor.Support("sup-1");
    public static readonly ReviewPolicy Policy = ReviewPolicy.Default;
    public static readonly BuyerStanding Regular = new(CompletedOrdersBefore: 3);

    /// <summary>Due at T0+5d, completed at T0+6d.</summary>
    public static ReviewableOrder Completed(string category = "logo-design") => new()
    {
        OrderId = "ord-1",
        GigId = "gig-1",
        SellerId = "s-1",
        BuyerId = "b-1",
        Category = category,
        State = OrderState.Completed,
        DueAt = T0.AddDays(5),
        CompletedAt = T0.AddDays(6),
        FirstDeliveredAt = T0.AddDays(4),
        RequirementsSubmitted = true,
    };

    /// <summary>Due at T0+5d, cancelled at T0+8d with no delivery (3 days past due).</summary>
    public static ReviewableOrder Cancelled() => Completed() with
    {
        State = OrderState.Cancelled,
        CompletedAt = null,
        CancelledAt = T0.AddDays(8),
        FirstDeliveredAt = null,
        CancellationInitiator = CancellationInitiator.Buyer,
    };

    public static BuyerRatings Ratings(int overall = 5, int privateRating = 9) => new()
    {
        Overall = overall,
        Communication = 5,
        Quality = 4,
        ValueForMoney = 4,
        WouldRecommend = true,
        PrivateRating = privateRating,
    };

    public const string Text = "Great work, delivered early.";

    public static Decision<ReviewRecord> Submit(ReviewableOrder order, DateTimeOffset at, ReviewRecord? existing = null, BuyerStanding? standing = null) =>
        ReviewRecord.SubmitBuyerReview(existing, order, standing ?? Regular, Buyer, Ratings(), Text, at, Policy);

    public static ReviewRecord Pending() => Accepted(Submit(Completed(), T0.AddDays(7)));

    public static ReviewRecord Published() => Accepted(Pending().SubmitSellerReview(Seller, 5, "Clear brief, quick answers.", T0.AddDays(8)));

    public static T Accepted<T>(Decision<T> decision)
        where T : class
    {
        Assert.True(decision.IsAccepted, decision.Rejection?.Message);
        return decision.State!;
    }

    public static Rejection Rejected<T>(Decision<T> decision, RejectionKind kind)
        where T : class
    {
        Assert.False(decision.IsAccepted, "expected a rejection");
        Assert.Empty(decision.Events);
        Assert.Null(decision.State);
        Assert.Equal(kind, decision.Rejection!.Kind);
        return decision.Rejection;
    }
}

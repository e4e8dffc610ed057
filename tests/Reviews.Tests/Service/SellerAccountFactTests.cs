using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Xunit;
using static Marketplace.Reviews.Tests.Service.ReviewsServiceFixture;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>
/// Issue 12, hole 7 (SPEC 4): "the buyer has an active seller account" is a fact of the buyer's
/// account that Orders keeps with the order (<c>buyer_has_seller_account</c>), never read from
/// whoever calls. A buyer who sells too leaves the seller role out of the token to review a
/// cancelled order; a buyer who started selling later is not refused for it; support and internal
/// callers get the same answer as the buyer.
/// </summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class SellerAccountFactTests(ReviewsServiceFixture fx)
{
    [Fact]
    public async Task A_buyer_with_a_seller_account_is_not_eligible_whatever_token_asks()
    {
        var o = await CancelledLateOrderAsync(buyerHasSellerAccount: true);
        var ask = new GetCancelledOrderReviewEligibilityRequest { OrderId = o.Order };

        // The buyer's seller role left out of the token (or revoked since the order was placed), support, an internal caller.
        foreach (var caller in new[] { As(o.Buyer, CallerRole.Buyer), As(o.Buyer, CallerRole.Buyer, CallerRole.Seller), Support, Internal })
        {
            var answer = await fx.Client.GetCancelledOrderReviewEligibilityAsync(ask, caller);
            Assert.False(answer.Eligible);
            Assert.Equal(EligibilityRule.BuyerHasActiveSellerAccount, answer.FailedRule);
            Assert.Equal($"buyer {o.Buyer} has an active seller account", answer.Explanation);
        }

        await fx.AssertRefusedAsync(StatusCode.FailedPrecondition, "not eligible (ELIGIBILITY_RULE_BUYER_HAS_ACTIVE_SELLER_ACCOUNT)", o,
            () => fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), As(o.Buyer, CallerRole.Buyer)).ResponseAsync);
    }

    [Fact]
    public async Task A_buyer_who_had_no_seller_account_when_ordering_is_eligible_whatever_token_asks()
    {
        var o = await CancelledLateOrderAsync(buyerHasSellerAccount: false);
        var ask = new GetCancelledOrderReviewEligibilityRequest { OrderId = o.Order };
        // The buyer has opened a seller account since: the token now holds the seller role too.
        var buyerNowSelling = As(o.Buyer, CallerRole.Buyer, CallerRole.Seller);

        foreach (var caller in new[] { As(o.Buyer, CallerRole.Buyer), buyerNowSelling, Support, Internal })
        {
            var answer = await fx.Client.GetCancelledOrderReviewEligibilityAsync(ask, caller);
            Assert.True(answer.Eligible, answer.Explanation);
        }

        var review = await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), buyerNowSelling);
        Assert.Equal(ReviewStatus.Published, review.Status);
    }

    [Fact]
    public async Task After_support_revokes_eligibility_every_caller_hears_the_revocation()
    {
        var o = await CancelledLateOrderAsync(buyerHasSellerAccount: false);

        var revoked = await fx.Client.RevokeReviewEligibilityAsync(
            new RevokeReviewEligibilityRequest { RequestId = "v-" + o.Order, OrderId = o.Order, Reason = "threats" }, Support);

        Assert.Equal(EligibilityRule.RevokedBySupport, revoked.FailedRule);
        foreach (var caller in new[] { As(o.Buyer, CallerRole.Buyer), As(o.Buyer, CallerRole.Buyer, CallerRole.Seller), Support, Internal })
        {
            var answer = await fx.Client.GetCancelledOrderReviewEligibilityAsync(new GetCancelledOrderReviewEligibilityRequest { OrderId = o.Order }, caller);
            Assert.Equal(EligibilityRule.RevokedBySupport, answer.FailedRule);
        }
    }

    /// <summary>A cancelled order more than 24 h past due, of a buyer with an earlier completed order: eligible but for the seller-account fact.</summary>
    private async Task<OrderIds> CancelledLateOrderAsync(bool buyerHasSellerAccount)
    {
        var earlier = await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2));
        var ids = OrderEvents.NewIds();
        var o = new OrderIds(ids.Order, ids.Gig, earlier.Buyer, ids.Seller);
        var cancelled = OrderEvents.CancelledLate(
            OrderEvents.Placed(o.Order, o.Gig, o.Buyer, o.Seller, buyerHasSellerAccount: buyerHasSellerAccount));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        return o;
    }
}

using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>SPEC 4 "Cancelled orders" (seed "Reviews for canceled orders"): every "no" names its rule.</summary>
public sealed class CancelledOrderEligibilityTests
{
    private static readonly DateTimeOffset Within = T0.AddDays(9);

    private static EligibilityAnswer Evaluate(ReviewableOrder order, BuyerStanding? standing = null, ReviewRecord? record = null, DateTimeOffset? at = null) =>
        CancelledOrderEligibility.Evaluate(order, standing ?? Regular, record, at ?? Within, Policy);

    [Fact]
    public void Spec4_more_than_24h_past_due_is_eligible()
    {
        var answer = Evaluate(Cancelled());

        Assert.True(answer.Eligible);
        Assert.Equal(T0.AddDays(13), answer.WindowEndsAt);
    }

    [Fact]
    public void Spec4_exactly_24h_past_due_without_other_problems_is_not_eligible()
    {
        var order = Cancelled() with { CancelledAt = T0.AddDays(6) };

        var answer = Evaluate(order, at: T0.AddDays(7));

        Assert.False(answer.Eligible);
        Assert.Equal(EligibilityRule.NoQualifyingProblem, answer.FailedRule);
        Assert.Equal("order ord-1 was not more than 24 h past due, the seller was not unresponsive, and no delivery was made", answer.Explanation);
    }

    [Fact]
    public void Spec4_unresponsive_seller_makes_an_on_time_cancellation_eligible()
    {
        var order = Cancelled() with { CancelledAt = T0.AddDays(2), SellerUnresponsive = true };

        Assert.True(Evaluate(order, at: T0.AddDays(3)).Eligible);
    }

    [Fact]
    public void Spec4_a_delivery_makes_an_on_time_cancellation_eligible()
    {
        var order = Cancelled() with { CancelledAt = T0.AddDays(4), FirstDeliveredAt = T0.AddDays(3) };

        Assert.True(Evaluate(order, at: T0.AddDays(5)).Eligible);
    }

    public static TheoryData<string, ReviewableOrder, BuyerStanding, EligibilityRule, string> NeverEligible => new()
    {
        {
            "first-time buyer", Cancelled(), new BuyerStanding(0), EligibilityRule.FirstTimeBuyer,
            "buyer b-1 has no earlier completed order (first-time buyers cannot review cancelled orders)"
        },
        {
            "active seller account", Cancelled() with { BuyerHasSellerAccount = true }, Regular, EligibilityRule.BuyerHasActiveSellerAccount,
            "buyer b-1 has an active seller account"
        },
        {
            "chargeback", Cancelled() with { CancellationInitiator = CancellationInitiator.Chargeback }, Regular, EligibilityRule.Chargeback,
            "order ord-1 was cancelled by a chargeback"
        },
        {
            "missing requirements", Cancelled() with { RequirementsSubmitted = false }, Regular, EligibilityRule.MissingRequirements,
            "order ord-1 was cancelled with no delivery and missing requirements"
        },
    };

    [Theory]
    [MemberData(nameof(NeverEligible))]
    public void Spec4_never_eligible_cases_name_their_rule(string _, ReviewableOrder order, BuyerStanding standing, EligibilityRule rule, string explanation)
    {
        var answer = Evaluate(order, standing);

        Assert.False(answer.Eligible);
        Assert.Equal(rule, answer.FailedRule);
        Assert.Equal(explanation, answer.Explanation);
    }

    [Fact]
    public void Spec4_support_revocation_makes_the_order_ineligible()
    {
        var revoked = Accepted(ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "threats to the seller", T0.AddDays(8)));

        var answer = Evaluate(Cancelled(), record: revoked);

        Assert.Equal(EligibilityRule.RevokedBySupport, answer.FailedRule);
        Assert.Equal("support revoked the review eligibility of order ord-1: threats to the seller", answer.Explanation);
    }

    [Fact]
    public void Spec4_the_buyer_has_5_days_from_the_cancellation()
    {
        Assert.True(Evaluate(Cancelled(), at: T0.AddDays(13)).Eligible);

        var answer = Evaluate(Cancelled(), at: T0.AddDays(13).AddTicks(1));

        Assert.Equal(EligibilityRule.WindowEnded, answer.FailedRule);
        Assert.StartsWith("the 5-day review window for cancelled order ord-1 ended at 2026-03-14T12:00:00", answer.Explanation);
    }

    [Fact]
    public void Spec4_submitting_an_ineligible_cancelled_order_review_is_failed_precondition_naming_the_rule()
    {
        var rejection = Rejected(Submit(Cancelled(), Within, standing: new BuyerStanding(0)), RejectionKind.FailedPrecondition);

        Assert.StartsWith("not eligible (ELIGIBILITY_RULE_FIRST_TIME_BUYER): buyer b-1 has no earlier completed order", rejection.Message);
    }

    [Fact]
    public void Spec4_cancelled_order_review_is_tagged_and_published_at_once()
    {
        var decision = Submit(Cancelled(), Within);

        var record = Accepted(decision);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, record.Outcome);
        Assert.Equal(ReviewStatus.Published, record.Status);
        Assert.Equal(T0.AddDays(13), record.WindowEndsAt);
        Assert.Equal([typeof(BuyerReviewSubmitted), typeof(ReviewPublished)], decision.Events.Select(e => e.GetType()));
        Assert.Equal(ReviewedOrderOutcome.Cancelled, ((ReviewPublished)decision.Events[1]).Review.OrderOutcome);
    }

    [Fact]
    public void Spec4_then_the_seller_may_respond()
    {
        var record = Accepted(Submit(Cancelled(), Within));

        Assert.Equal("Sorry about that", Accepted(record.PostSellerResponse(Seller, "Sorry about that", Within)).SellerResponse!.Text);
    }

    [Fact]
    public void Spec4_already_reviewed_is_named()
    {
        var record = Accepted(Submit(Cancelled(), Within));

        Assert.Equal(EligibilityRule.AlreadyReviewed, Evaluate(Cancelled(), record: record).FailedRule);
    }

    [Fact]
    public void Spec5_6_only_support_revokes_eligibility_once_and_only_before_a_review()
    {
        Assert.Equal("only support may revoke review eligibility; caller is seller s-1",
            Rejected(ReviewRecord.RevokeEligibility(null, Cancelled(), Seller, "x", Within), RejectionKind.PermissionDenied).Message);
        var revoked = Accepted(ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "terms", Within));
        Assert.Equal("review eligibility of order ord-1 is already revoked",
            Rejected(ReviewRecord.RevokeEligibility(revoked, Cancelled(), Support, "again", Within), RejectionKind.AlreadyExists).Message);
        var reviewed = Accepted(Submit(Cancelled(), Within));
        Assert.Equal("order ord-1 has already been reviewed; remove the review instead",
            Rejected(ReviewRecord.RevokeEligibility(reviewed, Cancelled(), Support, "terms", Within), RejectionKind.FailedPrecondition).Message);
        Assert.Equal("order ord-1 is in state 'completed'; eligibility is revoked on cancelled orders",
            Rejected(ReviewRecord.RevokeEligibility(null, Completed(), Support, "terms", Within), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec4_revocation_event_names_order_parties_and_reason()
    {
        var decision = ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "terms", Within);

        var evt = Assert.IsType<ReviewEligibilityRevoked>(Assert.Single(decision.Events));
        Assert.Equal("ord-1", evt.OrderId);
        Assert.Equal(1, evt.Version);
        Assert.Equal("b-1", evt.BuyerId);
        Assert.Equal("terms", evt.Reason);
    }

    [Fact]
    public void Spec4_eligibility_is_only_asked_about_cancelled_orders()
    {
        Assert.Throws<ArgumentException>(() => Evaluate(Completed()));
    }
}

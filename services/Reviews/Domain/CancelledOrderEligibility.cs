using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Reviews.Domain;

/// <summary>The answer to "may the buyer review this cancelled order?"; a "no" names the failed rule.</summary>
public sealed record EligibilityAnswer(bool Eligible, EligibilityRule FailedRule, string Explanation, DateTimeOffset? WindowEndsAt)
{
    public static EligibilityAnswer No(EligibilityRule rule, string explanation, DateTimeOffset? windowEndsAt) =>
        new(false, rule, explanation, windowEndsAt);
}

/// <summary>
/// SPEC 4 "Cancelled orders": never for revoked, chargeback, seller-account or first-time
/// buyers; not when nothing was delivered and requirements were missing (SPEC 2); otherwise
/// only when the order was more than 24 h past due, the seller was unresponsive, or a
/// delivery was made; within 5 days of the cancellation; once.
/// </summary>
public static class CancelledOrderEligibility
{
    public static EligibilityAnswer Evaluate(
        ReviewableOrder order, BuyerStanding standing, ReviewRecord? record, DateTimeOffset now, ReviewPolicy policy)
    {
        if (order.State != OrderState.Cancelled || order.CancelledAt is not { } cancelledAt)
        {
            throw new ArgumentException($"order {order.OrderId} is not cancelled", nameof(order));
        }

        var windowEndsAt = cancelledAt + policy.CancelledOrderReviewWindow;
        var id = order.OrderId;
        if (record?.BuyerReview is not null)
        {
            return EligibilityAnswer.No(EligibilityRule.AlreadyReviewed, $"order {id} has already been reviewed by its buyer", windowEndsAt);
        }

        if (record?.EligibilityRevocation is { } revocation)
        {
            return EligibilityAnswer.No(EligibilityRule.RevokedBySupport,
                $"support revoked the review eligibility of order {id}: {revocation.Reason}", windowEndsAt);
        }

        if (order.CancellationInitiator == CancellationInitiator.Chargeback)
        {
            return EligibilityAnswer.No(EligibilityRule.Chargeback, $"order {id} was cancelled by a chargeback", windowEndsAt);
        }

        if (order.BuyerHasSellerAccount)
        {
            return EligibilityAnswer.No(EligibilityRule.BuyerHasActiveSellerAccount,
                $"buyer {order.BuyerId} has an active seller account", windowEndsAt);
        }

        if (standing.CompletedOrdersBefore < 1)
        {
            return EligibilityAnswer.No(EligibilityRule.FirstTimeBuyer,
                $"buyer {order.BuyerId} has no earlier completed order (first-time buyers cannot review cancelled orders)", windowEndsAt);
        }

        if (order.FirstDeliveredAt is null && !order.RequirementsSubmitted)
        {
            return EligibilityAnswer.No(EligibilityRule.MissingRequirements,
                $"order {id} was cancelled with no delivery and missing requirements", windowEndsAt);
        }

        var pastDue = (order.FirstDeliveredAt ?? cancelledAt) - order.DueAt > policy.PastDueThreshold;
        if (!pastDue && !order.SellerUnresponsive && order.FirstDeliveredAt is null)
        {
            return EligibilityAnswer.No(EligibilityRule.NoQualifyingProblem,
                $"order {id} was not more than {policy.PastDueThreshold.TotalHours} h past due, the seller was not unresponsive, "
                + "and no delivery was made", windowEndsAt);
        }

        if (now > windowEndsAt)
        {
            return EligibilityAnswer.No(EligibilityRule.WindowEnded,
                $"the {policy.CancelledOrderReviewWindow.TotalDays}-day review window for cancelled order {id} ended at {windowEndsAt:O}", windowEndsAt);
        }

        return new EligibilityAnswer(true, EligibilityRule.Unspecified, $"order {id} may be reviewed until {windowEndsAt:O}", windowEndsAt);
    }
}

using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>
/// SPEC 2 (issue 12, holes 3 and 4) in the pure domain: exempting reasons are claims checked
/// against the order's facts, and a buyer cancels alone only a late order or one that never got going.
/// </summary>
public sealed class ExemptionClaimTests
{
    private static CancelOrderRequest Request(CancellationReason reason, bool buyerUnresponsive = false) =>
        new() { Reason = reason, BuyerUnresponsive = buyerUnresponsive };

    [Fact]
    public void Buyer_unresponsive_needs_a_mark_whoever_claims_it_and_however()
    {
        foreach (var caller in new[] { Seller, Support })
        {
            var byReason = Rejected(InProgress().Cancel(caller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);
            var byFlag = Rejected(InProgress().Cancel(caller, Request(CancellationReason.Other, buyerUnresponsive: true), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);
            Assert.Equal(
                "reason CANCELLATION_REASON_BUYER_UNRESPONSIVE says the buyer stopped answering: it needs a buyer-unresponsive mark from Messaging "
                + "on order ord-1, and the order has none (SPEC 2: an exempting reason is checked against the facts)",
                byReason.Message);
            Assert.StartsWith("buyer_unresponsive says the buyer stopped answering", byFlag.Message, StringComparison.Ordinal);
        }

        var cancelled = Accepted(Marked(InProgress()).Cancel(Seller, Request(CancellationReason.Other, buyerUnresponsive: true), T0.AddDays(1), Policy));
        Assert.True(cancelled.Cancellation!.BuyerUnresponsive);
        Assert.Equal(1, cancelled.BuyerUnresponsiveMarks);
    }

    /// <summary>
    /// The attack: the seller opens a wait with a message right after placement, the buyer has nothing
    /// to answer, Messaging marks them; later the seller delivers poorly and cancels as "buyer
    /// unresponsive" to take the order out of every area. A claim after the first delivery is refused.
    /// </summary>
    [Fact]
    public void Buyer_unresponsive_is_no_claim_after_a_delivery_even_with_a_mark()
    {
        foreach (var order in new[] { Marked(Delivered()), Marked(RevisionRequested()) })
        {
            var byReason = Rejected(order.Cancel(Seller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(4), Policy), RejectionKind.FailedPrecondition);
            Assert.Equal(
                "reason CANCELLATION_REASON_BUYER_UNRESPONSIVE holds only before the first delivery; the seller delivered order ord-1 at "
                + "2026-03-03T12:00:00.0000000+00:00 (SPEC 3: only a wait for something the running order needs, before its delivery, marks the buyer)",
                byReason.Message);
            Rejected(order.Cancel(Support, Request(CancellationReason.Other, buyerUnresponsive: true), T0.AddDays(4), Policy), RejectionKind.FailedPrecondition);
            Rejected(order.OpenResolution(Seller, "res-1", CancellationRequest(CancellationReason.BuyerUnresponsive), T0.AddDays(4), Policy), RejectionKind.FailedPrecondition);
        }

        // Before the delivery the same mark still holds.
        Accepted(Marked(InProgress()).Cancel(Seller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(1), Policy));
    }

    [Fact]
    public void Missing_requirements_holds_only_while_they_were_never_submitted()
    {
        Accepted(Placed().Cancel(Seller, Request(CancellationReason.MissingRequirements), T0.AddDays(1), Policy));
        Accepted(Placed().Cancel(Buyer, Request(CancellationReason.MissingRequirements), T0.AddDays(1), Policy));
        foreach (var order in new[] { RequirementsSubmitted(), InProgress(), Delivered() })
        {
            var rejection = Rejected(order.Cancel(Seller, Request(CancellationReason.MissingRequirements), T0.AddDays(3), Policy), RejectionKind.FailedPrecondition);
            Assert.Equal(
                "reason CANCELLATION_REASON_MISSING_REQUIREMENTS holds only while the requirements were never submitted; "
                + "the buyer of order ord-1 submitted them at 2026-03-01T12:00:00.0000000+00:00",
                rejection.Message);
        }
    }

    [Theory]
    [InlineData(CancellationReason.PlacedByMistake)]
    [InlineData(CancellationReason.DuplicateOrder)]
    public void Placed_by_mistake_and_duplicate_are_the_buyers_claims_before_work_within_the_policy_time(CancellationReason reason)
    {
        Accepted(Placed().Cancel(Buyer, Request(reason), T0.AddHours(24), Policy));
        Accepted(RequirementsSubmitted().Cancel(Buyer, Request(reason), T0.AddHours(2), Policy));

        var late = Rejected(Placed().Cancel(Buyer, Request(reason), T0.AddHours(24).AddTicks(1), Policy), RejectionKind.FailedPrecondition);
        Assert.Contains("within 1.00:00:00 of placing (Orders:PlacedByMistakeWithin)", late.Message, StringComparison.Ordinal);
        var started = Rejected(InProgress().Cancel(Buyer, Request(reason), T0.AddHours(3), Policy), RejectionKind.FailedPrecondition);
        Assert.Equal(
            $"reason {Names.Proto(reason)} holds only before work started; the seller started order ord-1 at 2026-03-01T14:00:00.0000000+00:00",
            started.Message);
        foreach (var caller in new[] { Seller, Support })
        {
            var other = Rejected(Placed().Cancel(caller, Request(reason), T0.AddHours(1), Policy), RejectionKind.FailedPrecondition);
            Assert.Equal($"only the buyer may claim {Names.Proto(reason)} (SPEC 2); the {Names.Of(caller.Role)} of order ord-1 cannot", other.Message);
        }

        var shorter = Policy with { PlacedByMistakeWithin = TimeSpan.FromHours(1) };
        Rejected(Placed().Cancel(Buyer, Request(reason), T0.AddHours(2), shorter), RejectionKind.FailedPrecondition);
    }

    [Fact]
    public void A_buyer_cancels_alone_only_a_late_order_whose_requirements_were_submitted()
    {
        foreach (var order in new[] { Placed(), RequirementsSubmitted(), InProgress() })
        {
            var early = Rejected(order.Cancel(Buyer, Request(CancellationReason.Other), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);
            Assert.Contains("only once it is late", early.Message, StringComparison.Ordinal);
        }

        Accepted(RequirementsSubmitted().Cancel(Buyer, Request(CancellationReason.LateDelivery), T0.AddDays(6), Policy));
        var withheld = Rejected(Placed().Cancel(Buyer, Request(CancellationReason.LateDelivery), T0.AddDays(6), Policy), RejectionKind.FailedPrecondition);
        Assert.Contains("its requirements were never submitted, so it is not the seller's lateness", withheld.Message, StringComparison.Ordinal);
        // Delivered orders are never late (SPEC 2: late = due passed with no delivery).
        Rejected(Delivered().Cancel(Buyer, Request(CancellationReason.LateDelivery), T0.AddDays(6), Policy), RejectionKind.FailedPrecondition);
    }

    [Fact]
    public void Requests_are_checked_when_opened_and_when_accepted_with_the_window_measured_to_the_opening()
    {
        Rejected(InProgress().OpenResolution(Seller, "res-1", CancellationRequest(CancellationReason.BuyerUnresponsive), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);
        Rejected(Placed().OpenResolution(Seller, "res-1", CancellationRequest(CancellationReason.DuplicateOrder), T0.AddHours(1), Policy), RejectionKind.FailedPrecondition);
        Rejected(InProgress().OpenResolution(Buyer, "res-1", CancellationRequest(CancellationReason.MissingRequirements), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);

        // Opened by the buyer within the 24 h, accepted by the seller after them: the claim was made in time.
        var opened = Accepted(Placed().OpenResolution(Buyer, "res-1", CancellationRequest(CancellationReason.PlacedByMistake), T0.AddHours(23), Policy));
        var accepted = Accepted(opened.RespondToResolution(Seller, "res-1", accept: true, T0.AddHours(30), Policy));
        Assert.Equal(CancellationReason.PlacedByMistake, accepted.Cancellation!.Reason);
        Assert.Equal(CancellationInitiator.Mutual, accepted.Cancellation.Initiator);

        // Work started since it was opened: the facts no longer support it.
        var submittedOpen = Accepted(RequirementsSubmitted().OpenResolution(Buyer, "res-1", CancellationRequest(CancellationReason.DuplicateOrder), T0.AddHours(2), Policy));
        var started = Accepted(submittedOpen.StartWork(Seller, T0.AddHours(3)));
        var refused = Rejected(started.RespondToResolution(Seller, "res-1", accept: true, T0.AddHours(4), Policy), RejectionKind.FailedPrecondition);
        Assert.Contains("holds only before work started", refused.Message, StringComparison.Ordinal);
        // Rejecting it (a dispute) is still possible.
        Accepted(started.RespondToResolution(Seller, "res-1", accept: false, T0.AddHours(4), Policy));
    }

    [Fact]
    public void A_granted_request_records_buyer_unresponsive_only_with_a_mark_behind_it()
    {
        var marked = Marked(InProgress());
        var opened = Accepted(marked.OpenResolution(Seller, "res-1", CancellationRequest(CancellationReason.BuyerUnresponsive), T0.AddDays(1), Policy));
        var escalated = Accepted(opened.EscalateResolution(Seller, "res-1", T0.AddDays(1)));
        var granted = Accepted(escalated.ResolveDispute(Support, "res-1", grant: true, inSellersFavour: true, T0.AddDays(2)));

        Assert.Equal(CancellationReason.SupportInSellersFavour, granted.Cancellation!.Reason);
        Assert.True(granted.Cancellation.BuyerUnresponsive);
    }

    /// <summary>
    /// The attack: a mark from an early wait the buyer later answered, kept to cancel a late,
    /// undelivered order as "buyer unresponsive" days afterwards, taking it out of every area. The claim
    /// holds only while a marked wait is still unanswered, whatever order Messaging's events come in.
    /// </summary>
    [Fact]
    public void A_mark_the_buyer_answered_backs_no_claim_until_a_new_mark()
    {
        var marked = InProgress().WithBuyerUnresponsiveMarks("conv-1", 1, conversationVersion: 3)!;
        Assert.True(marked.BuyerStillUnresponsive);

        var answered = marked.WithBuyerAnswered("conv-1", 4)!;
        Assert.False(answered.BuyerStillUnresponsive);
        Assert.Equal(1, answered.BuyerUnresponsiveMarks);
        var refusal = Rejected(answered.Cancel(Seller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(6), Policy), RejectionKind.FailedPrecondition);
        Assert.Equal(
            "reason CANCELLATION_REASON_BUYER_UNRESPONSIVE holds only while the buyer is still unresponsive; the buyer of order ord-1 "
            + "answered after Messaging's mark (SPEC 2: an exempting reason is checked against the facts)",
            refusal.Message);
        Assert.Null(answered.WithBuyerAnswered("conv-1", 4));
        Assert.Null(answered.WithBuyerAnswered("conv-1", 2));

        // The answer first, the mark it answered after it: still answered.
        var reversed = InProgress().WithBuyerAnswered("conv-1", 4)!.WithBuyerUnresponsiveMarks("conv-1", 1, conversationVersion: 3)!;
        Assert.False(reversed.BuyerStillUnresponsive);

        // A new request left unanswered marks the buyer again: the claim holds.
        var again = answered.WithBuyerUnresponsiveMarks("conv-1", 2, conversationVersion: 6)!;
        Assert.True(again.BuyerStillUnresponsive);
        Accepted(again.Cancel(Seller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(6), Policy));

        // A mark recorded before answers were followed (no versions) stays open.
        Assert.True(Marked(InProgress()).BuyerStillUnresponsive);
    }

    [Fact]
    public void Marks_are_the_highest_count_per_conversation_so_repeats_and_late_copies_add_nothing()
    {
        var order = Placed();
        var once = order.WithBuyerUnresponsiveMarks("conv-1", 1)!;
        Assert.Null(once.WithBuyerUnresponsiveMarks("conv-1", 1));
        var twice = once.WithBuyerUnresponsiveMarks("conv-1", 2)!;
        Assert.Null(twice.WithBuyerUnresponsiveMarks("conv-1", 1));
        var other = twice.WithBuyerUnresponsiveMarks("conv-2", 1)!;

        Assert.Equal(3, other.BuyerUnresponsiveMarks);
        Assert.Equal(order.Version, other.Version);
        Assert.Equal(3, OrderSnapshot.ToMessage(other).BuyerUnresponsiveMarks);
    }
}

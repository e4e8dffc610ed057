using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>SPEC 2: cancellation from every state before completed, with initiator, reason, buyer unresponsive.</summary>
public sealed class CancellationTests
{
    private static CancelOrderRequest Request(CancellationReason reason, bool buyerUnresponsive = false) =>
        new() { Reason = reason, BuyerUnresponsive = buyerUnresponsive, Note = "note" };

    [Fact]
    public void Spec2_seller_cancels_from_every_state_before_completed()
    {
        foreach (var order in EveryState().Where(o => !o.IsClosed))
        {
            var decision = order.Cancel(Seller, Request(CancellationReason.SellerUnableToDeliver), T0.AddDays(1), Policy);

            var cancelled = Accepted(decision);
            Assert.Equal(OrderState.Cancelled, cancelled.State);
            var evt = Assert.IsType<OrderCancelled>(Assert.Single(decision.Events));
            Assert.Equal(CancellationInitiator.Seller, evt.Order.Cancellation.Initiator);
        }
    }

    [Theory]
    [InlineData(OrderState.Completed, "completed")]
    [InlineData(OrderState.Cancelled, "cancelled")]
    public void Spec2_closed_orders_cannot_be_cancelled(OrderState state, string name)
    {
        var order = EveryState().Single(o => o.State == state);

        var rejection = Rejected(order.Cancel(Support, Request(CancellationReason.Other), T0.AddDays(4), Policy), RejectionKind.FailedPrecondition);

        Assert.Equal($"order ord-1 is in state '{name}'; 'cancel' needs a state before 'completed'", rejection.Message);
    }

    [Fact]
    public void Spec2_cancellation_records_initiator_reason_buyer_unresponsive_and_time()
    {
        var order = Accepted(Marked(Placed()).Cancel(Seller, Request(CancellationReason.MissingRequirements, buyerUnresponsive: true), T0.AddDays(1), Policy));

        var c = order.Cancellation!;
        Assert.Equal(CancellationInitiator.Seller, c.Initiator);
        Assert.Equal(CancellationReason.MissingRequirements, c.Reason);
        Assert.True(c.BuyerUnresponsive);
        Assert.Equal(PartyRole.Seller, c.RequestedBy);
        Assert.Equal(T0.AddDays(1), c.CancelledAt);
        Assert.Equal("note", c.Note);
    }

    [Fact]
    public void Spec2_reason_buyer_unresponsive_implies_the_flag()
    {
        var order = Accepted(Marked(InProgress()).Cancel(Seller, Request(CancellationReason.BuyerUnresponsive), T0.AddDays(1), Policy));

        Assert.True(order.Cancellation!.BuyerUnresponsive);
    }

    [Fact]
    public void Spec2_buyer_may_cancel_a_placed_order()
    {
        var order = Accepted(Placed().Cancel(Buyer, Request(CancellationReason.PlacedByMistake), T0.AddMinutes(5), Policy));

        Assert.Equal(CancellationInitiator.Buyer, order.Cancellation!.Initiator);
    }

    [Fact]
    public void Spec2_buyer_may_cancel_a_late_order()
    {
        var order = Accepted(InProgress().Cancel(Buyer, Request(CancellationReason.LateDelivery), T0.AddDays(6), Policy));

        Assert.Equal(CancellationReason.LateDelivery, order.Cancellation!.Reason);
    }

    [Fact]
    public void Spec2_buyer_cannot_cancel_a_running_order_that_is_not_late()
    {
        var rejection = Rejected(InProgress().Cancel(Buyer, Request(CancellationReason.Other), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);

        Assert.Equal(
            "a buyer cancels a running order alone only once it is late (SPEC 2); order ord-1 is due at 2026-03-06T12:00:00.0000000+00:00 "
            + "and not late: open a cancellation request in the Resolution Center or contact support",
            rejection.Message);
    }

    [Fact]
    public void Spec3_a_buyer_cannot_declare_themselves_unresponsive()
    {
        var flag = Rejected(Placed().Cancel(Buyer, Request(CancellationReason.PlacedByMistake, buyerUnresponsive: true), T0, Policy), RejectionKind.InvalidArgument);
        var reason = Rejected(Placed().Cancel(Buyer, Request(CancellationReason.BuyerUnresponsive), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("buyer_unresponsive: a buyer cannot declare themselves unresponsive", flag.Message);
        Assert.Equal(flag.Message, reason.Message);
    }

    [Fact]
    public void Spec7_unknown_reason_is_invalid_argument()
    {
        var unspecified = Rejected(InProgress().Cancel(Seller, Request(CancellationReason.Unspecified), T0, Policy), RejectionKind.InvalidArgument);
        var undefined = Rejected(InProgress().Cancel(Seller, Request((CancellationReason)999), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("reason must be a known cancellation reason (was 0)", unspecified.Message);
        Assert.Equal("reason must be a known cancellation reason (was 999)", undefined.Message);
    }

    [Fact]
    public void Spec1_chargebacks_are_recorded_by_internal_callers_only()
    {
        var order = Accepted(Delivered().Cancel(Payments, Request(CancellationReason.ChargebackFraud), T0.AddDays(3), Policy));
        var bySeller = Rejected(InProgress().Cancel(Seller, Request(CancellationReason.ChargebackDispute), T0, Policy), RejectionKind.InvalidArgument);
        var internalOther = Rejected(InProgress().Cancel(Payments, Request(CancellationReason.Other), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal(CancellationInitiator.Chargeback, order.Cancellation!.Initiator);
        Assert.Equal(PartyRole.Internal, order.Cancellation.RequestedBy);
        Assert.Equal("reason CANCELLATION_REASON_CHARGEBACK_DISPUTE: chargebacks are recorded by the payment system only", bySeller.Message);
        Assert.StartsWith("reason CANCELLATION_REASON_OTHER: internal callers record chargebacks only", internalOther.Message);
    }

    [Fact]
    public void Spec2_support_decisions_are_given_by_support_only()
    {
        var bySupport = Accepted(InProgress().Cancel(Support, Request(CancellationReason.SupportInSellersFavour), T0.AddDays(1), Policy));
        var bySeller = Rejected(InProgress().Cancel(Seller, Request(CancellationReason.SupportInSellersFavour), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal(CancellationInitiator.Support, bySupport.Cancellation!.Initiator);
        Assert.Equal("reason CANCELLATION_REASON_SUPPORT_IN_SELLERS_FAVOUR is a support decision; seller may not give it", bySeller.Message);
    }

    [Fact]
    public void Spec2_mutual_agreement_goes_through_the_resolution_center()
    {
        var rejection = Rejected(InProgress().Cancel(Seller, Request(CancellationReason.MutualAgreement), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Contains("Resolution Center", rejection.Message);
    }

    [Fact]
    public void Spec5_6_another_seller_cannot_cancel()
    {
        var rejection = Rejected(InProgress().Cancel(Actor.Seller("s-9"), Request(CancellationReason.Other), T0, Policy), RejectionKind.PermissionDenied);

        Assert.Equal("caller s-9 is not the seller of order ord-1", rejection.Message);
    }

    [Fact]
    public void Spec2_cancellation_event_carries_the_facts_scoring_needs()
    {
        var decision = Delivered().Cancel(Support, Request(CancellationReason.SupportInBuyersFavour), T0.AddDays(3), Policy);

        var snapshot = Assert.IsType<OrderCancelled>(Assert.Single(decision.Events)).Order;
        Assert.Equal(OrderState.Cancelled, snapshot.State);
        Assert.Equal("gig-1", snapshot.GigId);
        Assert.Equal("s-1", snapshot.SellerId);
        Assert.Equal("b-1", snapshot.BuyerId);
        Assert.Equal(1, snapshot.DeliveryCount);
        Assert.NotNull(snapshot.RequirementsSubmittedAt);
        Assert.Equal(CancellationReason.SupportInBuyersFavour, snapshot.Cancellation.Reason);
        Assert.Null(snapshot.AutoCompleteAt);
    }
}

using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>SPEC 1: extensions, cancellations and partial refunds asked in the Resolution Center; disputes.</summary>
public sealed class ResolutionCenterTests
{
    private static readonly DateTimeOffset T1 = T0.AddDays(1);

    private static Order Open(Order order, Actor caller, OpenResolutionRequest request, string id = "res-1") =>
        Accepted(order.OpenResolution(caller, id, request, T1, Policy));

    [Fact]
    public void Spec1_accepted_extension_moves_the_due_time_and_is_counted()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(2)));

        var decision = order.RespondToResolution(Buyer, "res-1", accept: true, T1.AddHours(1), Policy);

        var extended = Accepted(decision);
        Assert.Equal(T0.AddDays(7), extended.DueAt);
        Assert.Equal(T0.AddDays(5), extended.OriginalDueAt);
        Assert.Equal(1, extended.ExtensionCount);
        var accepted = Assert.IsType<ResolutionAccepted>(Assert.Single(decision.Events));
        Assert.Equal(ResolutionStatus.Accepted, accepted.Request.Status);
        Assert.False(accepted.Automatically);
    }

    [Fact]
    public void Spec2_lateness_is_measured_against_the_extended_due_time()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(2)));
        order = Accepted(order.RespondToResolution(Buyer, "res-1", accept: true, T1, Policy));

        order = Accepted(order.Deliver(Seller, T0.AddDays(6), Policy));

        Assert.Equal(TimeSpan.Zero, order.Lateness);
    }

    /// <summary>
    /// The attack: a seller delivers days late, or is already late, then asks for an extension that
    /// reaches past the delivery; a silent buyer's auto-acceptance after 48 h would move the due time
    /// and erase the lateness (on-time delivery 1, and the buyer's right to cancel a late order alone gone).
    /// </summary>
    [Fact]
    public void Spec2_lateness_already_incurred_cannot_be_erased_by_an_extension()
    {
        var lateAndUndelivered = Rejected(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(20)), T0.AddDays(5).AddSeconds(1), Policy), RejectionKind.FailedPrecondition);
        Assert.Equal(
            "order ord-1 is late since its due time 2026-03-06T12:00:00.0000000+00:00: an extension must be asked before the due time passes "
            + "(lateness already incurred cannot be moved)",
            lateAndUndelivered.Message);

        var deliveredLate = Accepted(InProgress().Deliver(Seller, T0.AddDays(15), Policy));
        var afterDelivery = Rejected(deliveredLate.OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(20)), T0.AddDays(15).AddHours(1), Policy), RejectionKind.FailedPrecondition);
        Assert.StartsWith("order ord-1 was first delivered at 2026-03-16T12:00:00.0000000+00:00: an extension moves", afterDelivery.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(10), deliveredLate.Lateness);

        // Even delivered on time, an extension after the delivery is refused (a revision needs no new due time).
        Rejected(Delivered().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(1)), T0.AddDays(2).AddHours(1), Policy), RejectionKind.FailedPrecondition);
    }

    /// <summary>Asked in time, an extension still counts when the silent buyer's 48 h run out after the old due time.</summary>
    [Fact]
    public void Spec1_an_extension_asked_at_the_due_time_is_auto_accepted_after_it()
    {
        var asked = Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(3)), T0.AddDays(5), Policy));

        var extended = Accepted(asked.OnTimer(T0.AddDays(7).AddMinutes(1)));
        var delivered = Accepted(extended.Deliver(Seller, T0.AddDays(7).AddHours(1), Policy));

        Assert.Equal(T0.AddDays(8), delivered.DueAt);
        Assert.Equal(TimeSpan.Zero, delivered.Lateness);
    }

    /// <summary>
    /// The attack: asked just before the due time, an extension is still open when the seller
    /// delivers up to 47 h late; a silent buyer's auto-acceptance after 48 h would move the due time
    /// past the delivery and erase that lateness. The request lapses at the delivery instead: it moves
    /// nothing, counts as no dispute, and frees the order for the buyer's own requests.
    /// </summary>
    [Fact]
    public void Spec2_an_extension_still_open_at_the_delivery_lapses_and_the_lateness_stays()
    {
        var asked = Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(3)), T0.AddDays(5).AddHours(-1), Policy));

        var delivery = asked.Deliver(Seller, T0.AddDays(6).AddHours(22), Policy);
        var delivered = Accepted(delivery);
        var lapsed = Assert.Single(delivered.Resolutions);
        Assert.Equal(ResolutionStatus.Lapsed, lapsed.Status);
        Assert.Equal(T0.AddDays(6).AddHours(22), lapsed.AnsweredAt);
        Assert.Null(delivered.PendingResolution);
        var published = Assert.IsType<OrderDelivered>(Assert.Single(delivery.Events));
        Assert.Equal("res-1", published.LapsedResolutionId);
        Assert.True(published.Late);
        Assert.Equal(ResolutionStatus.Lapsed, Assert.Single(published.Order.Resolutions).Status);

        // The silent buyer's 48 h run out: nothing is accepted, the due time and the lateness stay.
        var afterTimer = Accepted(delivered.OnTimer(T0.AddDays(7).AddHours(1)));
        Assert.Equal(T0.AddDays(5), afterTimer.DueAt);
        Assert.Equal(0, afterTimer.ExtensionCount);
        Assert.Equal(TimeSpan.FromHours(46), afterTimer.Lateness);
        Assert.Equal(0, afterTimer.DisputeCount);

        // Nobody can answer a lapsed request, and the buyer may open their own.
        var answer = Rejected(afterTimer.RespondToResolution(Buyer, "res-1", accept: true, T0.AddDays(7).AddHours(2), Policy), RejectionKind.FailedPrecondition);
        Assert.Equal("resolution res-1 is 'lapsed'; 'respond_to_resolution' needs 'open'", answer.Message);
        Rejected(afterTimer.EscalateResolution(Seller, "res-1", T0.AddDays(7).AddHours(2)), RejectionKind.FailedPrecondition);
        Accepted(afterTimer.OpenResolution(Buyer, "res-2", Refund(100), T0.AddDays(7).AddHours(2), Policy));
    }

    /// <summary>A delivery leaves every other pending request as it was: only an open extension lapses.</summary>
    [Fact]
    public void Spec1_a_delivery_leaves_an_open_refund_request_and_an_escalated_extension_pending()
    {
        var refundAsked = Accepted(InProgress().OpenResolution(Buyer, "res-1", Refund(100), T1, Policy));
        var delivered = Accepted(refundAsked.Deliver(Seller, T1.AddHours(1), Policy));
        Assert.Equal(ResolutionStatus.Open, delivered.PendingResolution!.Status);

        var escalated = Accepted(Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(1)), T1, Policy))
            .EscalateResolution(Seller, "res-1", T1.AddHours(1)));
        var deliveredAfterEscalation = Accepted(escalated.Deliver(Seller, T1.AddHours(2), Policy));
        Assert.Equal(ResolutionStatus.Escalated, deliveredAfterEscalation.PendingResolution!.Status);
    }

    [Fact]
    public void Spec1_only_the_seller_requests_an_extension()
    {
        var rejection = Rejected(InProgress().OpenResolution(Buyer, "res-1", Extension(TimeSpan.FromDays(1)), T1, Policy), RejectionKind.PermissionDenied);

        Assert.Equal("only the seller of order ord-1 may request an extension", rejection.Message);
    }

    [Fact]
    public void Spec7_extension_must_be_positive()
    {
        var rejection = Rejected(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.Zero), T1, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("extend_by must be > 0", rejection.Message);
    }

    /// <summary>Issue 15, finding 2: a Duration out of protobuf's range threw in ToTimeSpan and the call ended UNKNOWN.</summary>
    [Theory]
    [InlineData(long.MaxValue, 0)]            // seconds beyond ±315,576,000,000
    [InlineData(5L, -1)]                      // mixed signs
    [InlineData(5L, 1_000_000_000)]           // nanos out of range
    public void Spec7_an_extension_out_of_the_Duration_range_is_invalid_argument_naming_the_field(long seconds, int nanos)
    {
        var request = Extension(TimeSpan.FromDays(1));
        request.ExtendBy = new Google.Protobuf.WellKnownTypes.Duration { Seconds = seconds, Nanos = nanos };

        var rejection = Rejected(InProgress().OpenResolution(Seller, "res-1", request, T1, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("extend_by is not a valid duration", rejection.Message);
    }

    [Fact]
    public void Spec7_unknown_kind_is_invalid_argument()
    {
        var rejection = Rejected(InProgress().OpenResolution(Seller, "res-1", new OpenResolutionRequest(), T1, Policy), RejectionKind.InvalidArgument);

        Assert.StartsWith("kind must be RESOLUTION_KIND_EXTENSION", rejection.Message);
    }

    [Fact]
    public void Spec1_the_requester_cannot_answer_their_own_request()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(1)));

        var rejection = Rejected(order.RespondToResolution(Seller, "res-1", accept: true, T1, Policy), RejectionKind.PermissionDenied);

        Assert.Equal("resolution res-1 was requested by the seller; only the other party may answer it", rejection.Message);
    }

    [Fact]
    public void Spec7_unknown_resolution_is_not_found()
    {
        var rejection = Rejected(InProgress().RespondToResolution(Buyer, "res-404", accept: true, T1, Policy), RejectionKind.NotFound);

        Assert.Equal("order ord-1 has no resolution 'res-404'", rejection.Message);
    }

    [Fact]
    public void Spec1_only_one_request_is_pending_at_a_time()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(1)));

        var rejection = Rejected(order.OpenResolution(Buyer, "res-2", Refund(1000), T1, Policy), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 already has resolution res-1 in state 'open'; it must be decided before another is opened", rejection.Message);
    }

    [Fact]
    public void Spec1_rejected_request_is_a_dispute()
    {
        var order = Open(InProgress(), Buyer, Refund(1000));

        var decision = order.RespondToResolution(Seller, "res-1", accept: false, T1, Policy);

        var disputed = Accepted(decision);
        Assert.Equal(1, disputed.DisputeCount);
        Assert.Equal(0, disputed.RefundedMinor);
        var opened = Assert.IsType<DisputeOpened>(Assert.Single(decision.Events));
        Assert.False(opened.EscalatedToSupport);
        Assert.Equal(ResolutionStatus.Rejected, opened.Request.Status);
    }

    [Fact]
    public void Spec1_answering_twice_is_failed_precondition()
    {
        var order = Open(InProgress(), Buyer, Refund(1000));
        order = Accepted(order.RespondToResolution(Seller, "res-1", accept: false, T1, Policy));

        var rejection = Rejected(order.RespondToResolution(Seller, "res-1", accept: true, T1, Policy), RejectionKind.FailedPrecondition);

        Assert.Equal("resolution res-1 is 'rejected'; 'respond_to_resolution' needs 'open'", rejection.Message);
    }

    [Fact]
    public void Spec1_escalating_a_rejected_request_contacts_support_without_a_second_dispute()
    {
        var order = Open(InProgress(), Buyer, Refund(1000));
        order = Accepted(order.RespondToResolution(Seller, "res-1", accept: false, T1, Policy));

        var decision = order.EscalateResolution(Buyer, "res-1", T1.AddHours(2));

        var escalated = Accepted(decision);
        Assert.Equal(1, escalated.DisputeCount);
        Assert.Equal(1, escalated.SupportContactCount);
        Assert.True(Assert.IsType<DisputeOpened>(Assert.Single(decision.Events)).EscalatedToSupport);
    }

    [Fact]
    public void Spec1_a_rejected_request_cannot_be_escalated_while_another_is_pending()
    {
        var order = Open(InProgress(), Buyer, Refund(1000));
        order = Accepted(order.RespondToResolution(Seller, "res-1", accept: false, T1, Policy));
        order = Open(order, Seller, Extension(TimeSpan.FromDays(1)), id: "res-2");

        var rejection = Rejected(order.EscalateResolution(Buyer, "res-1", T1), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 already has resolution res-2 in state 'open'; it must be decided before another is escalated", rejection.Message);
    }

    [Fact]
    public void Spec1_escalating_an_open_request_is_a_dispute()
    {
        var order = Open(InProgress(), Buyer, Refund(1000));

        var escalated = Accepted(order.EscalateResolution(Seller, "res-1", T1));

        Assert.Equal(1, escalated.DisputeCount);
        Assert.Equal(ResolutionStatus.Escalated, escalated.PendingResolution!.Status);
    }

    [Fact]
    public void Spec1_accepted_partial_refund_is_recorded_and_the_order_goes_on()
    {
        var order = Open(InProgress(), Buyer, Refund(1500));

        var refunded = Accepted(order.RespondToResolution(Seller, "res-1", accept: true, T1, Policy));

        Assert.Equal(1500, refunded.RefundedMinor);
        Assert.Equal(OrderState.InProgress, refunded.State);
        Assert.Equal(1500, OrderSnapshot.ToMessage(refunded).Refunded.AmountMinor);
    }

    [Fact]
    public void Spec1_partial_refunds_must_stay_below_the_amount()
    {
        var rejection = Rejected(InProgress().OpenResolution(Buyer, "res-1", Refund(5000), T1, Policy), RejectionKind.FailedPrecondition);

        Assert.Contains("would reach the order amount 5000; a full refund is a cancellation", rejection.Message);
    }

    [Fact]
    public void Spec7_refund_currency_must_match_the_order()
    {
        var rejection = Rejected(InProgress().OpenResolution(Buyer, "res-1", Refund(100, "EUR"), T1, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("refund.currency_code 'EUR' must match the order's currency 'USD'", rejection.Message);
    }

    [Fact]
    public void Spec2_accepted_cancellation_request_cancels_as_mutual_and_names_the_requester()
    {
        var order = Open(Placed(), Seller, CancellationRequest(CancellationReason.MissingRequirements));

        var decision = order.RespondToResolution(Buyer, "res-1", accept: true, T1.AddHours(3), Policy);

        var cancelled = Accepted(decision);
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        Assert.Equal(CancellationInitiator.Mutual, cancelled.Cancellation!.Initiator);
        Assert.Equal(PartyRole.Seller, cancelled.Cancellation.RequestedBy);
        Assert.Equal(CancellationReason.MissingRequirements, cancelled.Cancellation.Reason);
        Assert.Equal([typeof(ResolutionAccepted), typeof(OrderCancelled)], decision.Events.Select(e => e.GetType()));
        Assert.Equal([order.Version + 1, order.Version + 2], decision.Events.Select(e => SnapshotOf(e).Version));
    }

    [Fact]
    public void Spec2_parties_cannot_request_support_or_chargeback_reasons()
    {
        var rejection = Rejected(
            InProgress().OpenResolution(Seller, "res-1", CancellationRequest(CancellationReason.SupportInSellersFavour), T1, Policy),
            RejectionKind.InvalidArgument);

        Assert.Equal(
            "cancellation_reason CANCELLATION_REASON_SUPPORT_IN_SELLERS_FAVOUR cannot be requested by a party; it is recorded by support or payments",
            rejection.Message);
    }

    [Fact]
    public void Spec2_support_granting_a_cancellation_records_a_support_cancellation_in_the_sellers_favour()
    {
        var order = Open(InProgress(), Buyer, CancellationRequest(CancellationReason.NotAsDescribed));
        order = Accepted(order.EscalateResolution(Seller, "res-1", T1));

        var decision = order.ResolveDispute(Support, "res-1", grant: true, inSellersFavour: true, T1.AddDays(1));

        var cancelled = Accepted(decision);
        Assert.Equal(CancellationInitiator.Support, cancelled.Cancellation!.Initiator);
        Assert.Equal(CancellationReason.SupportInSellersFavour, cancelled.Cancellation.Reason);
        Assert.Equal([typeof(DisputeResolved), typeof(OrderCancelled)], decision.Events.Select(e => e.GetType()));
        Assert.Equal(ResolutionStatus.GrantedBySupport, cancelled.Resolutions.Single().Status);
    }

    [Fact]
    public void Spec1_support_declining_applies_nothing()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(3)));
        order = Accepted(order.EscalateResolution(Seller, "res-1", T1));

        var declined = Accepted(order.ResolveDispute(Support, "res-1", grant: false, inSellersFavour: false, T1));

        Assert.Equal(T0.AddDays(5), declined.DueAt);
        Assert.Equal(ResolutionStatus.DeclinedBySupport, declined.Resolutions.Single().Status);
        Assert.Null(declined.PendingResolution);
    }

    [Fact]
    public void Spec5_6_only_support_resolves_disputes()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(3)));
        order = Accepted(order.EscalateResolution(Seller, "res-1", T1));

        var rejection = Rejected(order.ResolveDispute(Buyer, "res-1", grant: true, inSellersFavour: false, T1), RejectionKind.PermissionDenied);

        Assert.Contains("may be issued by support only", rejection.Message);
    }

    [Fact]
    public void Spec1_only_escalated_requests_are_resolved_by_support()
    {
        var order = Open(InProgress(), Seller, Extension(TimeSpan.FromDays(3)));

        var rejection = Rejected(order.ResolveDispute(Support, "res-1", grant: true, inSellersFavour: false, T1), RejectionKind.FailedPrecondition);

        Assert.Equal("resolution res-1 is 'open'; 'resolve_dispute' needs 'escalated'", rejection.Message);
    }

    [Fact]
    public void Spec5_1_support_contact_is_recorded_in_any_state()
    {
        var decision = Completed().RecordSupportContact(Support, T0.AddDays(10));

        Assert.Equal(1, Accepted(decision).SupportContactCount);
        Assert.IsType<SupportContacted>(Assert.Single(decision.Events));
        Rejected(Completed().RecordSupportContact(Buyer, T0), RejectionKind.PermissionDenied);
    }
}

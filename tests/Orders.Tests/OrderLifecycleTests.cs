using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>SPEC 2: the order states, who may move them, and what each move records.</summary>
public sealed class OrderLifecycleTests
{
    [Fact]
    public void Spec2_place_creates_a_placed_order_with_version_1_and_an_OrderPlaced_event()
    {
        var decision = Order.Place("ord-1", Buyer, false, PlaceRequest(), T0, Policy);

        var order = Accepted(decision);
        Assert.Equal(OrderState.Placed, order.State);
        Assert.Equal(1, order.Version);
        Assert.Equal("b-1", order.BuyerId);
        Assert.Equal(T0.AddDays(5), order.DueAt);
        var placed = Assert.IsType<OrderPlaced>(Assert.Single(decision.Events));
        Assert.Equal("ord-1", placed.Order.OrderId);
        Assert.Equal("gig-1", placed.Order.GigId);
        Assert.Equal("logo-design", placed.Order.Category);
        Assert.Equal(5000, placed.Order.Amount.AmountMinor);
        Assert.Equal(1, placed.Order.Version);
    }

    public static TheoryData<string, Action<PlaceOrderRequest>, string> InvalidPlacements => new()
    {
        { "empty gig", r => r.GigId = "", "gig_id must not be empty" },
        { "empty seller", r => r.SellerId = " ", "seller_id must not be empty" },
        { "empty category", r => r.Category = "", "category must not be empty" },
        // A buyer names the Gig, its seller and its category: no control character (Scoring packs them into
        // stored values, every service keys records by them) and no unbounded length.
        { "a control character in the gig", r => r.GigId = "gig\u001f1", "gig_id must not contain control characters" },
        { "a NUL in the seller", r => r.SellerId = "s\u00001", "seller_id must not contain control characters" },
        { "a line break in the category", r => r.Category = "logo\ndesign", "category must not contain control characters" },
        { "a gig id of 129 characters", r => r.GigId = new string('g', 129), "gig_id must be at most 128 characters (was 129)" },
        { "a category of 10,000 characters", r => r.Category = new string('c', 10_000), "category must be at most 128 characters (was 10000)" },
        { "no amount", r => r.Amount = null, "amount is required" },
        { "zero amount", r => r.Amount.AmountMinor = 0, "amount.amount_minor must be > 0 (was 0)" },
        { "negative amount", r => r.Amount.AmountMinor = -5, "amount.amount_minor must be > 0 (was -5)" },
        { "bad currency", r => r.Amount.CurrencyCode = "usd", "amount.currency_code 'usd' must be an ISO 4217 code of three upper-case letters" },
        { "no due time", r => r.DueAt = null, "due_at is required" },
        { "bad due time", r => r.DueAt = new Timestamp { Seconds = 1, Nanos = -1 }, "due_at is not a valid timestamp" },
        { "negative revisions", r => r.RevisionsIncluded = -1, "revisions_included must be from 0 to 100 (Orders:MaxRevisionsIncluded) (was -1)" },
        { "own gig", r => r.SellerId = "b-1", "seller_id: buyer b-1 cannot order their own Gig" },
    };

    [Theory]
    [MemberData(nameof(InvalidPlacements))]
    public void Spec7_invalid_placements_are_invalid_argument_naming_the_field(string _, Action<PlaceOrderRequest> spoil, string message)
    {
        var request = PlaceRequest();
        spoil(request);

        var rejection = Rejected(Order.Place("ord-1", Buyer, false, request, T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal(message, rejection.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3600)]
    public void Spec7_due_time_not_after_creation_is_invalid_argument(int secondsAfterCreation)
    {
        var request = PlaceRequest();
        request.DueAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(secondsAfterCreation));

        var rejection = Rejected(Order.Place("ord-1", Buyer, false, request, T0, Policy), RejectionKind.InvalidArgument);

        Assert.StartsWith("due_at ", rejection.Message);
        Assert.Contains("must be at least 1.00:00:00 after the order's creation time", rejection.Message);
    }

    [Fact]
    public void Spec5_6_only_a_buyer_places_orders()
    {
        var rejection = Rejected(Order.Place("ord-1", Seller, false, PlaceRequest(), T0, Policy), RejectionKind.PermissionDenied);

        Assert.Equal("'place_order' may be issued by buyer only, not by seller s-1", rejection.Message);
    }

    [Fact]
    public void Spec2_happy_path_runs_every_state_and_publishes_one_event_per_change_with_increasing_versions()
    {
        var decisions = new List<Decision<Order>>();
        Order Step(Decision<Order> d)
        {
            decisions.Add(d);
            return Accepted(d);
        }

        var order = Step(Order.Place("ord-1", Buyer, false, PlaceRequest(), T0, Policy));
        order = Step(order.SubmitRequirements(Buyer, "brief", T0.AddHours(1)));
        Assert.Equal(OrderState.RequirementsSubmitted, order.State);
        order = Step(order.StartWork(Seller, T0.AddHours(2)));
        Assert.Equal(OrderState.InProgress, order.State);
        order = Step(order.Deliver(Seller, T0.AddDays(1), Policy));
        Assert.Equal(OrderState.Delivered, order.State);
        order = Step(order.AcceptDelivery(Buyer, T0.AddDays(2)));

        Assert.Equal(OrderState.Completed, order.State);
        Assert.Equal(T0.AddDays(2), order.CompletedAt);
        Assert.False(order.AutoCompleted);
        var events = decisions.SelectMany(d => d.Events).ToList();
        Assert.Equal(
            [typeof(OrderPlaced), typeof(RequirementsSubmitted), typeof(WorkStarted), typeof(OrderDelivered), typeof(OrderCompleted)],
            events.Select(e => e.GetType()));
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => SnapshotOf(e).Version));
        Assert.Equal(5, order.Version);
    }

    [Fact]
    public void Spec2_wrong_state_is_failed_precondition_naming_current_and_needed_state()
    {
        var rejection = Rejected(Placed().Deliver(Seller, T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 is in state 'placed'; 'deliver' needs 'in_progress'", rejection.Message);
    }

    [Fact]
    public void Spec2_start_work_names_both_states_it_accepts()
    {
        var rejection = Rejected(Delivered().StartWork(Seller, T0.AddDays(3)), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 is in state 'delivered'; 'start_work' needs 'requirements_submitted' or 'revision_requested'", rejection.Message);
    }

    public static TheoryData<string, Func<Order, Decision<Order>>, OrderState[]> Commands => new()
    {
        { "submit_requirements", o => o.SubmitRequirements(Buyer, "brief", T0.AddDays(1)), [OrderState.Placed] },
        { "start_work", o => o.StartWork(Seller, T0.AddDays(1)), [OrderState.RequirementsSubmitted, OrderState.RevisionRequested] },
        { "deliver", o => o.Deliver(Seller, T0.AddDays(4), Policy), [OrderState.InProgress] },
        { "request_revision", o => o.RequestRevision(Buyer, "change", T0.AddDays(4)), [OrderState.Delivered] },
        { "accept_delivery", o => o.AcceptDelivery(Buyer, T0.AddDays(4)), [OrderState.Delivered] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Spec2_each_command_is_accepted_exactly_in_its_states(string command, Func<Order, Decision<Order>> run, OrderState[] allowed)
    {
        foreach (var order in EveryState())
        {
            var decision = run(order);
            if (allowed.Contains(order.State))
            {
                Assert.True(decision.IsAccepted, $"{command} from {order.State}: {decision.Rejection?.Message}");
                Assert.Equal(order.Version + 1, decision.State!.Version);
            }
            else
            {
                var rejection = Rejected(decision, RejectionKind.FailedPrecondition);
                Assert.Contains($"'{command}' needs", rejection.Message);
            }
        }
    }

    [Fact]
    public void Spec5_6_a_seller_cannot_issue_buyer_commands()
    {
        var rejection = Rejected(Placed().SubmitRequirements(Seller, "brief", T0), RejectionKind.PermissionDenied);

        Assert.Equal("'submit_requirements' on order ord-1 may be issued by buyer only, not by seller s-1", rejection.Message);
    }

    [Fact]
    public void Spec5_6_another_buyer_cannot_act_on_the_order()
    {
        var rejection = Rejected(Delivered().AcceptDelivery(Actor.Buyer("b-2"), T0.AddDays(3)), RejectionKind.PermissionDenied);

        Assert.Equal("caller b-2 is not the buyer of order ord-1", rejection.Message);
    }

    [Fact]
    public void Spec5_6_another_seller_cannot_deliver()
    {
        var rejection = Rejected(InProgress().Deliver(Actor.Seller("s-2"), T0.AddDays(1), Policy), RejectionKind.PermissionDenied);

        Assert.Equal("caller s-2 is not the seller of order ord-1", rejection.Message);
    }

    [Fact]
    public void Spec7_permission_is_checked_before_state()
    {
        var rejection = Rejected(Completed().Deliver(Buyer, T0.AddDays(4), Policy), RejectionKind.PermissionDenied);

        Assert.Contains("may be issued by seller only", rejection.Message);
    }

    [Fact]
    public void Spec7_empty_requirements_are_invalid_argument()
    {
        var rejection = Rejected(Placed().SubmitRequirements(Buyer, "  ", T0), RejectionKind.InvalidArgument);

        Assert.Equal("requirements must not be empty", rejection.Message);
    }

    [Fact]
    public void Spec2_revision_loop_redelivers_and_keeps_the_first_delivery_time()
    {
        var order = RevisionRequested();
        Assert.Equal(OrderState.RevisionRequested, order.State);
        Assert.Null(order.AutoCompleteAt);

        var resumed = order.StartWork(Seller, T0.AddDays(3).AddHours(1));
        Assert.True(Assert.IsType<WorkStarted>(Assert.Single(resumed.Events)).AfterRevision);
        var redelivered = Accepted(resumed).Deliver(Seller, T0.AddDays(4), Policy);

        var final = Accepted(redelivered);
        Assert.Equal(OrderState.Delivered, final.State);
        Assert.Equal(2, final.DeliveryCount);
        Assert.Equal(T0.AddDays(2), final.FirstDeliveredAt);
        Assert.Equal(T0.AddDays(4), final.LastDeliveredAt);
        Assert.Equal(2, Assert.IsType<OrderDelivered>(Assert.Single(redelivered.Events)).DeliveryNumber);
    }

    [Fact]
    public void Spec2_revisions_beyond_the_included_number_are_counted()
    {
        var order = Delivered(revisionsIncluded: 1);
        var first = order.RequestRevision(Buyer, "one", T0.AddDays(3));
        order = Accepted(first);
        order = Accepted(order.StartWork(Seller, T0.AddDays(3)));
        order = Accepted(order.Deliver(Seller, T0.AddDays(4), Policy));
        var second = order.RequestRevision(Buyer, "two", T0.AddDays(4));
        order = Accepted(second);

        Assert.False(Assert.IsType<RevisionRequested>(Assert.Single(first.Events)).BeyondIncluded);
        Assert.True(Assert.IsType<RevisionRequested>(Assert.Single(second.Events)).BeyondIncluded);
        Assert.Equal(2, order.RevisionCount);
        Assert.Equal(1, order.RevisionsBeyondIncluded);
    }

    [Fact]
    public void Spec2_seller_may_decline_a_revision_beyond_the_included_ones()
    {
        var order = RevisionRequested(revisionsIncluded: 0);

        var decision = order.DeclineRevision(Seller, T0.AddDays(3).AddHours(2), Policy);

        var declined = Accepted(decision);
        Assert.Equal(OrderState.Delivered, declined.State);
        Assert.Equal(1, declined.RevisionsDeclined);
        Assert.Equal(T0.AddDays(3).AddHours(2) + Policy.AutoCompleteAfter, declined.AutoCompleteAt);
        Assert.IsType<RevisionDeclined>(Assert.Single(decision.Events));
    }

    [Fact]
    public void Spec2_seller_cannot_decline_an_included_revision()
    {
        var rejection = Rejected(RevisionRequested(revisionsIncluded: 1).DeclineRevision(Seller, T0.AddDays(4), Policy), RejectionKind.FailedPrecondition);

        Assert.Equal("revision 1 of order ord-1 is within the 1 included; only revisions beyond them can be declined", rejection.Message);
    }

    [Fact]
    public void Spec7_revision_request_needs_details()
    {
        var rejection = Rejected(Delivered().RequestRevision(Buyer, "", T0.AddDays(3)), RejectionKind.InvalidArgument);

        Assert.Equal("details must not be empty", rejection.Message);
    }

    [Fact]
    public void Spec2_on_time_delivery_has_zero_lateness()
    {
        var order = Delivered(at: T0.AddDays(5));

        Assert.Equal(TimeSpan.Zero, order.Lateness);
        Assert.Equal(TimeSpan.Zero, OrderSnapshot.ToMessage(order).Lateness.ToTimeSpan());
    }

    [Fact]
    public void Spec2_lateness_is_due_to_first_delivery()
    {
        var decision = InProgress().Deliver(Seller, T0.AddDays(6).AddHours(3), Policy);

        var order = Accepted(decision);
        Assert.Equal(TimeSpan.FromHours(27), order.Lateness);
        Assert.True(Assert.IsType<OrderDelivered>(Assert.Single(decision.Events)).Late);
    }

    /// <summary>SPEC 2: missing requirements never count against the seller; the delivery time runs from them.</summary>
    [Fact]
    public void Spec2_the_due_time_moves_on_by_the_time_the_requirements_took()
    {
        var submitted = Accepted(Placed().SubmitRequirements(Buyer, "a blue logo", T0.AddDays(6)));

        Assert.Equal(T0.AddDays(11), submitted.DueAt);
        Assert.Equal(T0.AddDays(5), submitted.OriginalDueAt);
        Assert.False(submitted.IsLateAt(T0.AddDays(6).AddHours(1)));
        Assert.Equal(TimeSpan.FromDays(1), Accepted(Accepted(submitted.StartWork(Seller, T0.AddDays(6))).Deliver(Seller, T0.AddDays(12), Policy)).Lateness);
    }

    [Fact]
    public void Spec2_an_order_is_late_when_due_passes_without_delivery()
    {
        var order = InProgress();

        Assert.False(order.IsLateAt(T0.AddDays(5)));
        Assert.True(order.IsLateAt(T0.AddDays(5).AddTicks(1)));
        Assert.Null(order.Lateness);
        Assert.False(Delivered().IsLateAt(T0.AddDays(30)));
    }

    [Fact]
    public void Spec2_buyer_acceptance_completes_and_clears_the_auto_complete_time()
    {
        var order = Completed();

        Assert.Equal(OrderState.Completed, order.State);
        Assert.Null(order.AutoCompleteAt);
        Assert.True(order.IsClosed);
    }

    [Fact]
    public void Spec5_6_the_order_is_read_by_its_parties_support_and_internal_callers_only()
    {
        var order = Placed();

        Assert.Null(order.AllowRead(Buyer));
        Assert.Null(order.AllowRead(Seller));
        Assert.Null(order.AllowRead(Support));
        Assert.Null(order.AllowRead(Payments));
        Assert.Equal(new Rejection(RejectionKind.PermissionDenied, "caller b-2 is not the buyer of order ord-1"), order.AllowRead(Actor.Buyer("b-2")));
    }

    [Fact]
    public void Spec5_6_get_parties_are_recorded_from_the_callers()
    {
        var order = Placed();

        Assert.Equal("b-1", order.PartyId(PartyRole.Buyer));
        Assert.Equal("s-1", order.PartyId(PartyRole.Seller));
        Assert.Null(order.PartyId(PartyRole.Support));
    }
}

using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// The main path of SPEC 2: placed -> requirements_submitted -> in_progress -> delivered ->
/// completed, the revision loop, and automatic completion.
/// </summary>
public sealed partial record Order
{
    /// <summary>
    /// A buyer places an order of a seller's Gig; the buyer is the caller. Whether the buyer also holds a
    /// seller account (<paramref name="buyerHasSellerAccount"/>, from their token) is kept with the order.
    /// Every number and time the request carries is bounded by <paramref name="policy"/>, so no sum or
    /// date that follows from the order can overflow.
    /// </summary>
    public static Decision<Order> Place(
        string orderId, Actor caller, bool buyerHasSellerAccount, PlaceOrderRequest request, DateTimeOffset now, OrderPolicy policy)
    {
        if (caller.Role != PartyRole.Buyer)
        {
            return Rejection.PermissionDenied(
                $"'place_order' may be issued by buyer only, not by {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = Validate.Id("order_id", orderId)
            ?? Validate.Id("gig_id", request.GigId)
            ?? Validate.Id("seller_id", request.SellerId)
            ?? Validate.Id("category", request.Category)
            ?? Money.ValidatePositive("amount", request.Amount)
            ?? (!policy.CurrencyCodes.Contains(request.Amount.CurrencyCode, StringComparer.Ordinal)
                ? Rejection.InvalidArgument(
                    $"amount.currency_code '{request.Amount.CurrencyCode}' is not taken here: orders are placed in {string.Join(", ", policy.CurrencyCodes)} ({OrderPolicy.Key(nameof(OrderPolicy.Currencies))})")
                : null)
            ?? (request.Amount.AmountMinor > policy.MaxAmountMinor
                ? Rejection.InvalidArgument(
                    $"amount.amount_minor must be at most {policy.MaxAmountMinor} ({OrderPolicy.Key(nameof(OrderPolicy.MaxAmountMinor))}) (was {request.Amount.AmountMinor})")
                : null)
            ?? Validate.Timestamp("due_at", request.DueAt)
            ?? (request.RevisionsIncluded < 0 || request.RevisionsIncluded > policy.MaxRevisionsIncluded
                ? Rejection.InvalidArgument(
                    $"revisions_included must be from 0 to {policy.MaxRevisionsIncluded} ({OrderPolicy.Key(nameof(OrderPolicy.MaxRevisionsIncluded))}) (was {request.RevisionsIncluded})")
                : null)
            ?? (request.SellerId == caller.Id
                ? Rejection.InvalidArgument($"seller_id: buyer {caller.Id} cannot order their own Gig")
                : null);
        if (problem is not null)
        {
            return problem;
        }

        var dueAt = request.DueAt.ToDateTimeOffset();
        if (dueAt - now < policy.MinDueAfter)
        {
            return Rejection.InvalidArgument(
                $"due_at {dueAt:O} must be at least {policy.MinDueAfter:c} after the order's creation time {now:O} "
                + $"({OrderPolicy.Key(nameof(OrderPolicy.MinDueAfter))})");
        }

        if (dueAt - now > policy.MaxDueAfter)
        {
            return Rejection.InvalidArgument(
                $"due_at {dueAt:O} must be at most {policy.MaxDueAfter:c} after the order's creation time {now:O} "
                + $"({OrderPolicy.Key(nameof(OrderPolicy.MaxDueAfter))})");
        }

        var order = new Order
        {
            OrderId = orderId,
            Version = 1,
            State = OrderState.Placed,
            GigId = request.GigId,
            SellerId = request.SellerId,
            BuyerId = caller.Id,
            Category = request.Category,
            Amount = Money.FromMessage(request.Amount),
            RevisionsIncluded = request.RevisionsIncluded,
            CreatedAt = now,
            OriginalDueAt = dueAt,
            DueAt = dueAt,
            UpdatedAt = now,
            BuyerHasSellerAccount = buyerHasSellerAccount,
        };
        return Decision<Order>.Accept(order, [new OrderPlaced { Order = OrderSnapshot.ToMessage(order) }]);
    }

    /// <summary>
    /// The buyer sends the requirements: placed -> requirements_submitted. The seller's delivery time
    /// runs from the requirements: the due time moves on by the time they took (SPEC 2, missing
    /// requirements never count against the seller). Before, a buyer could hold them back until the
    /// due time, send them, and cancel alone a moment later as late, against the seller.
    /// </summary>
    public Decision<Order> SubmitRequirements(Actor caller, string requirements, DateTimeOffset now)
    {
        const string command = "submit_requirements";
        var problem = Allow(caller, command, PartyRole.Buyer)
            ?? Validate.NotEmpty("requirements", requirements)
            ?? RequireState(command, OrderState.Placed);
        if (problem is not null)
        {
            return problem;
        }

        var held = now > CreatedAt ? now - CreatedAt : TimeSpan.Zero;
        return new Changes(this, now)
            .Then(o => o with { State = OrderState.RequirementsSubmitted, RequirementsSubmittedAt = now, DueAt = o.DueAt + held },
                o => new RequirementsSubmitted { Order = o })
            .Decide();
    }

    /// <summary>
    /// The seller starts work, or resumes it after a revision request (which is the seller's
    /// consent to a revision beyond the included ones): -> in_progress.
    /// </summary>
    public Decision<Order> StartWork(Actor caller, DateTimeOffset now)
    {
        const string command = "start_work";
        var problem = Allow(caller, command, PartyRole.Seller)
            ?? RequireState(command, OrderState.RequirementsSubmitted, OrderState.RevisionRequested);
        if (problem is not null)
        {
            return problem;
        }

        var afterRevision = State == OrderState.RevisionRequested;
        return new Changes(this, now)
            .Then(o => o with { State = OrderState.InProgress, StartedAt = o.StartedAt ?? now },
                o => new WorkStarted { Order = o, AfterRevision = afterRevision })
            .Decide();
    }

    /// <summary>
    /// The seller delivers: in_progress -> delivered. The first delivery fixes the lateness
    /// (SPEC 2); every delivery restarts the auto-complete clock. An extension request still open
    /// lapses: it was asked for work not yet delivered, and accepted after the delivery (by a
    /// silent buyer too, after 48 h) it would move the due time past the delivery and erase the
    /// lateness. A lapse is no rejection, so it is no dispute either.
    /// </summary>
    public Decision<Order> Deliver(Actor caller, DateTimeOffset now, OrderPolicy policy)
    {
        const string command = "deliver";
        var problem = Allow(caller, command, PartyRole.Seller) ?? RequireState(command, OrderState.InProgress);
        if (problem is not null)
        {
            return problem;
        }

        var number = DeliveryCount + 1;
        var late = now > DueAt;
        var lapsed = PendingResolution is { Kind: ResolutionKind.Extension, Status: ResolutionStatus.Open } open
            ? open with { Status = ResolutionStatus.Lapsed, AnsweredAt = now }
            : null;
        return new Changes(this, now)
            .Then(o => (lapsed is null ? o : o.Replace(lapsed)) with
                {
                    State = OrderState.Delivered,
                    DeliveryCount = number,
                    FirstDeliveredAt = o.FirstDeliveredAt ?? now,
                    LastDeliveredAt = now,
                    AutoCompleteAt = now + policy.AutoCompleteAfter,
                },
                o => new OrderDelivered
                {
                    Order = o,
                    DeliveryNumber = number,
                    Late = late,
                    LapsedResolutionId = lapsed?.ResolutionId ?? "",
                })
            .Decide();
    }

    /// <summary>
    /// The buyer asks for changes: delivered -> revision_requested. Revisions beyond the
    /// included number are counted (SPEC 2).
    /// </summary>
    public Decision<Order> RequestRevision(Actor caller, string details, DateTimeOffset now)
    {
        const string command = "request_revision";
        var problem = Allow(caller, command, PartyRole.Buyer)
            ?? Validate.NotEmpty("details", details)
            ?? RequireState(command, OrderState.Delivered);
        if (problem is not null)
        {
            return problem;
        }

        var number = RevisionCount + 1;
        var beyond = number > RevisionsIncluded;
        return new Changes(this, now)
            .Then(o => o with
                {
                    State = OrderState.RevisionRequested,
                    RevisionCount = number,
                    RevisionsBeyondIncluded = o.RevisionsBeyondIncluded + (beyond ? 1 : 0),
                    AutoCompleteAt = null,
                },
                o => new RevisionRequested { Order = o, RevisionNumber = number, BeyondIncluded = beyond })
            .Decide();
    }

    /// <summary>
    /// The seller refuses a revision beyond the included ones (SPEC 2: they need the seller's
    /// consent): revision_requested -> delivered, auto-complete clock restarted. Included
    /// revisions cannot be declined.
    /// </summary>
    public Decision<Order> DeclineRevision(Actor caller, DateTimeOffset now, OrderPolicy policy)
    {
        const string command = "decline_revision";
        var problem = Allow(caller, command, PartyRole.Seller) ?? RequireState(command, OrderState.RevisionRequested);
        if (problem is not null)
        {
            return problem;
        }

        if (RevisionCount <= RevisionsIncluded)
        {
            return Rejection.FailedPrecondition(
                $"revision {RevisionCount} of order {OrderId} is within the {RevisionsIncluded} included; only revisions beyond them can be declined");
        }

        var number = RevisionCount;
        return new Changes(this, now)
            .Then(o => o with
                {
                    State = OrderState.Delivered,
                    RevisionsDeclined = o.RevisionsDeclined + 1,
                    AutoCompleteAt = now + policy.AutoCompleteAfter,
                },
                o => new RevisionDeclined { Order = o, RevisionNumber = number })
            .Decide();
    }

    /// <summary>The buyer accepts the delivery: delivered -> completed.</summary>
    public Decision<Order> AcceptDelivery(Actor caller, DateTimeOffset now)
    {
        const string command = "accept_delivery";
        var problem = Allow(caller, command, PartyRole.Buyer) ?? RequireState(command, OrderState.Delivered);
        return problem ?? Complete(now, automatically: false);
    }

    /// <summary>
    /// Applies the policy timers due at <paramref name="now"/>: a seller's unanswered
    /// extension request is accepted, and a delivered order with no buyer answer completes
    /// (SPEC 2). Accepted with no events when nothing is due.
    /// </summary>
    public Decision<Order> OnTimer(DateTimeOffset now)
    {
        var order = this;
        var events = new List<Google.Protobuf.IMessage>();
        if (order.PendingResolution is { Status: ResolutionStatus.Open, AutoAcceptAt: { } acceptAt } pending
            && acceptAt <= now && !order.IsClosed)
        {
            var accepted = order.ApplyResolution(pending, ResolutionStatus.Accepted, now, automatically: true);
            order = accepted.State!;
            events.AddRange(accepted.Events);
        }

        if (order.State == OrderState.Delivered && order.AutoCompleteAt is { } completeAt && completeAt <= now)
        {
            var completed = order.Complete(now, automatically: true);
            order = completed.State!;
            events.AddRange(completed.Events);
        }

        return Decision<Order>.Accept(order, events);
    }

    private Decision<Order> Complete(DateTimeOffset now, bool automatically) =>
        new Changes(this, now)
            .Then(o => o with
                {
                    State = OrderState.Completed,
                    CompletedAt = now,
                    AutoCompleted = automatically,
                    AutoCompleteAt = null,
                },
                o => new OrderCompleted { Order = o, Automatically = automatically })
            .Decide();
}

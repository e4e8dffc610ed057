using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// The Resolution Center (SPEC 1): a party asks the other for an extension, a cancellation
/// or a partial refund; a rejected or escalated request is a dispute, which support decides.
/// Extensions, refunds and disputes are recorded as facts, not penalties (SPEC 5.1).
/// </summary>
public sealed partial record Order
{
    /// <summary>Buyer or seller opens a request; at most one is pending per order.</summary>
    public Decision<Order> OpenResolution(
        Actor caller, string resolutionId, OpenResolutionRequest request, DateTimeOffset now, OrderPolicy policy)
    {
        const string command = "open_resolution";
        var problem = Allow(caller, command, PartyRole.Buyer, PartyRole.Seller)
            ?? Validate.Id("resolution_id", resolutionId)
            ?? CheckResolutionRequest(caller, request, policy)
            ?? RequireOpen(command);
        if (problem is not null)
        {
            return problem;
        }

        if (PendingResolution is { } pending)
        {
            return Rejection.FailedPrecondition(
                $"order {OrderId} already has resolution {pending.ResolutionId} in state '{Names.Of(pending.Status)}'; "
                + "it must be decided before another is opened");
        }

        if (request.Kind == ResolutionKind.Extension && CheckExtensionTime(now) is { } tooLate)
        {
            return tooLate;
        }

        // The refund is at most the amount (checked with the request) and the refunded sum is below it,
        // so neither side of this comparison can overflow.
        if (request.Kind == ResolutionKind.PartialRefund
            && request.Refund.AmountMinor >= Amount.AmountMinor - RefundedMinor)
        {
            return Rejection.FailedPrecondition(
                $"refund: {RefundedMinor + request.Refund.AmountMinor} minor units in total would reach the order amount "
                + $"{Amount.AmountMinor}; a full refund is a cancellation");
        }

        // SPEC 2: an exempting reason is checked when the request is opened, so an unsupported claim
        // never reaches the other party, nor support by escalation.
        if (request.Kind == ResolutionKind.Cancellation
            && CheckClaim(caller.Role, request.CancellationReason, buyerUnresponsive: false, now, policy) is { } claim)
        {
            return claim;
        }

        var isExtension = request.Kind == ResolutionKind.Extension;
        var resolution = new Resolution
        {
            ResolutionId = resolutionId,
            Kind = request.Kind,
            Status = ResolutionStatus.Open,
            RequestedBy = caller.Role,
            OpenedAt = now,
            ExtendBy = isExtension ? request.ExtendBy.ToTimeSpan() : null,
            Refund = request.Kind == ResolutionKind.PartialRefund ? Money.FromMessage(request.Refund) : null,
            CancellationReason = request.Kind == ResolutionKind.Cancellation ? request.CancellationReason : CancellationReason.Unspecified,
            Message = request.Message,
            AutoAcceptAt = isExtension ? now + policy.ExtensionAutoAcceptAfter : null,
        };
        return new Changes(this, now)
            .Then(o => o with { Resolutions = o.Resolutions.Add(resolution) },
                o => new ResolutionOpened { Order = o, Request = OrderSnapshot.ToMessage(resolution) })
            .Decide();
    }

    /// <summary>
    /// The other party accepts (the request is applied) or rejects it (a dispute is opened). An
    /// accepted cancellation's exempting reason is checked again against the facts as they are now
    /// (requirements submitted or work started since it was opened), the placed-by-mistake window
    /// against the time it was opened.
    /// </summary>
    public Decision<Order> RespondToResolution(Actor caller, string resolutionId, bool accept, DateTimeOffset now, OrderPolicy policy)
    {
        const string command = "respond_to_resolution";
        var problem = Allow(caller, command, PartyRole.Buyer, PartyRole.Seller);
        if (problem is not null)
        {
            return problem;
        }

        if (FindResolution(resolutionId) is not { } resolution)
        {
            return ResolutionNotFound(resolutionId);
        }

        if (resolution.RequestedBy == caller.Role)
        {
            return Rejection.PermissionDenied(
                $"resolution {resolutionId} was requested by the {Names.Of(resolution.RequestedBy)}; only the other party may answer it");
        }

        problem = RequireResolutionStatus(resolution, command, ResolutionStatus.Open) ?? RequireOpen(command);
        if (problem is not null)
        {
            return problem;
        }

        if (accept)
        {
            if (resolution.Kind == ResolutionKind.Cancellation
                && CheckClaim(resolution.RequestedBy, resolution.CancellationReason, buyerUnresponsive: false, resolution.OpenedAt, policy) is { } claim)
            {
                return claim;
            }

            return ApplyResolution(resolution, ResolutionStatus.Accepted, now, automatically: false);
        }

        var rejected = resolution with { Status = ResolutionStatus.Rejected, AnsweredAt = now };
        return new Changes(this, now)
            .Then(o => o.Replace(rejected) with { DisputeCount = o.DisputeCount + 1 },
                o => new DisputeOpened { Order = o, Request = OrderSnapshot.ToMessage(rejected), EscalatedToSupport = false })
            .Decide();
    }

    /// <summary>Either party sends an open or rejected request to support.</summary>
    public Decision<Order> EscalateResolution(Actor caller, string resolutionId, DateTimeOffset now)
    {
        const string command = "escalate_resolution";
        var problem = Allow(caller, command, PartyRole.Buyer, PartyRole.Seller);
        if (problem is not null)
        {
            return problem;
        }

        if (FindResolution(resolutionId) is not { } resolution)
        {
            return ResolutionNotFound(resolutionId);
        }

        problem = RequireOpen(command) ?? RequireResolutionStatus(resolution, command, ResolutionStatus.Open, ResolutionStatus.Rejected);
        if (problem is not null)
        {
            return problem;
        }

        if (PendingResolution is { } other && other.ResolutionId != resolutionId)
        {
            return Rejection.FailedPrecondition(
                $"order {OrderId} already has resolution {other.ResolutionId} in state '{Names.Of(other.Status)}'; "
                + "it must be decided before another is escalated");
        }

        // A rejected request already counted as a dispute; escalating it does not add another.
        var newDispute = resolution.Status == ResolutionStatus.Open ? 1 : 0;
        var escalated = resolution with { Status = ResolutionStatus.Escalated, AnsweredAt = resolution.AnsweredAt ?? now };
        return new Changes(this, now)
            .Then(o => o.Replace(escalated) with
                {
                    DisputeCount = o.DisputeCount + newDispute,
                    SupportContactCount = o.SupportContactCount + 1,
                },
                o => new DisputeOpened { Order = o, Request = OrderSnapshot.ToMessage(escalated), EscalatedToSupport = true })
            .Decide();
    }

    /// <summary>
    /// Support grants (applies) or declines an escalated request. A granted cancellation is
    /// recorded as a support cancellation in the seller's or the buyer's favour.
    /// </summary>
    public Decision<Order> ResolveDispute(
        Actor caller, string resolutionId, bool grant, bool inSellersFavour, DateTimeOffset now)
    {
        const string command = "resolve_dispute";
        var problem = Allow(caller, command, PartyRole.Support);
        if (problem is not null)
        {
            return problem;
        }

        if (FindResolution(resolutionId) is not { } resolution)
        {
            return ResolutionNotFound(resolutionId);
        }

        problem = RequireOpen(command) ?? RequireResolutionStatus(resolution, command, ResolutionStatus.Escalated);
        if (problem is not null)
        {
            return problem;
        }

        if (grant)
        {
            var reason = inSellersFavour ? CancellationReason.SupportInSellersFavour : CancellationReason.SupportInBuyersFavour;
            return ApplyResolution(resolution, ResolutionStatus.GrantedBySupport, now, automatically: false, reason);
        }

        var declined = resolution with { Status = ResolutionStatus.DeclinedBySupport };
        return new Changes(this, now)
            .Then(o => o.Replace(declined), o => new DisputeResolved { Order = o, Request = OrderSnapshot.ToMessage(declined) })
            .Decide();
    }

    /// <summary>Support records a contact about the order (any state; SPEC 5.1 negative event).</summary>
    public Decision<Order> RecordSupportContact(Actor caller, DateTimeOffset now)
    {
        var problem = Allow(caller, "record_support_contact", PartyRole.Support);
        if (problem is not null)
        {
            return problem;
        }

        return new Changes(this, now)
            .Then(o => o with { SupportContactCount = o.SupportContactCount + 1 }, o => new SupportContacted { Order = o })
            .Decide();
    }

    /// <summary>
    /// Applies an accepted or granted request: moves the due time, adds the refund, or
    /// cancels (MUTUAL when the other party accepted, SUPPORT when support granted it).
    /// </summary>
    private Decision<Order> ApplyResolution(
        Resolution resolution,
        ResolutionStatus status,
        DateTimeOffset now,
        bool automatically,
        CancellationReason supportReason = CancellationReason.Unspecified)
    {
        var decided = resolution with { Status = status, AnsweredAt = resolution.AnsweredAt ?? now };
        var bySupport = status == ResolutionStatus.GrantedBySupport;
        var changes = new Changes(this, now).Then(
            o => decided.Kind switch
            {
                ResolutionKind.Extension => o.Replace(decided) with
                {
                    DueAt = o.DueAt + decided.ExtendBy!.Value,
                    ExtensionCount = o.ExtensionCount + 1,
                },
                ResolutionKind.PartialRefund => o.Replace(decided) with { RefundedMinor = o.RefundedMinor + decided.Refund!.AmountMinor },
                _ => o.Replace(decided),
            },
            o => bySupport
                ? new DisputeResolved { Order = o, Request = OrderSnapshot.ToMessage(decided) }
                : new ResolutionAccepted { Order = o, Request = OrderSnapshot.ToMessage(decided), Automatically = automatically });

        if (decided.Kind != ResolutionKind.Cancellation)
        {
            return changes.Decide();
        }

        // Support's grant records support's verdict as the reason; the buyer-unresponsive fact is
        // recorded only with a mark from Messaging behind it, whoever decided.
        var reason = bySupport ? supportReason : decided.CancellationReason;
        var cancellation = new OrderCancellation(
            bySupport ? CancellationInitiator.Support : CancellationInitiator.Mutual,
            reason,
            decided.CancellationReason == CancellationReason.BuyerUnresponsive && BuyerUnresponsiveMarks > 0,
            decided.RequestedBy,
            now,
            decided.Message);
        var cancelled = changes.Current.CancelWith(cancellation, now);
        return Decision<Order>.Accept(cancelled.State!, [.. changes.Decide().Events, .. cancelled.Events]);
    }

    private Rejection? CheckResolutionRequest(Actor caller, OpenResolutionRequest request, OrderPolicy policy)
    {
        switch (request.Kind)
        {
            case ResolutionKind.Extension:
                return caller.Role != PartyRole.Seller
                    ? Rejection.PermissionDenied($"only the seller of order {OrderId} may request an extension")
                    : Validate.PositiveDuration("extend_by", request.ExtendBy) ?? CheckExtensionBounds(request.ExtendBy.ToTimeSpan(), policy);
            case ResolutionKind.PartialRefund:
                var money = Money.ValidatePositive("refund", request.Refund);
                if (money is not null)
                {
                    return money;
                }

                if (request.Refund.CurrencyCode != Amount.CurrencyCode)
                {
                    return Rejection.InvalidArgument(
                        $"refund.currency_code '{request.Refund.CurrencyCode}' must match the order's currency '{Amount.CurrencyCode}'");
                }

                return request.Refund.AmountMinor > Amount.AmountMinor
                    ? Rejection.InvalidArgument(
                        $"refund.amount_minor must be at most the order amount {Amount.AmountMinor} (was {request.Refund.AmountMinor})")
                    : null;
            case ResolutionKind.Cancellation:
                return CancellationRules.CheckRequested(caller.Role, request.CancellationReason);
            default:
                return Rejection.InvalidArgument(
                    $"kind must be RESOLUTION_KIND_EXTENSION, RESOLUTION_KIND_CANCELLATION or RESOLUTION_KIND_PARTIAL_REFUND (was {(int)request.Kind})");
        }
    }

    /// <summary>
    /// SPEC 2: an order is late when its due time passes with no delivery, and lateness runs from the
    /// due time to the first delivery. An extension moves a due time that is still ahead, for work
    /// not yet delivered: asked once the order is late, or after its first delivery, its acceptance
    /// (by a silent buyer too, after 48 h) would move the due time past lateness already incurred and
    /// erase it. A request asked in time and accepted later still counts, as agreed.
    /// </summary>
    private Rejection? CheckExtensionTime(DateTimeOffset now)
    {
        if (FirstDeliveredAt is { } delivered)
        {
            return Rejection.FailedPrecondition(
                $"order {OrderId} was first delivered at {delivered:O}: an extension moves the due time of work not yet delivered "
                + "(lateness runs to the first delivery)");
        }

        return now > DueAt
            ? Rejection.FailedPrecondition(
                $"order {OrderId} is late since its due time {DueAt:O}: an extension must be asked before the due time passes "
                + "(lateness already incurred cannot be moved)")
            : null;
    }

    /// <summary>
    /// An extension is at most <see cref="OrderPolicy.MaxExtension"/>, and the due time it leads to stays
    /// within <see cref="OrderPolicy.MaxDueAfter"/> of placement (so a silent buyer's auto-acceptance
    /// cannot push it without end). Only one request is pending at a time, so the due time cannot move
    /// between this check and the acceptance.
    /// </summary>
    private Rejection? CheckExtensionBounds(TimeSpan extendBy, OrderPolicy policy)
    {
        if (extendBy > policy.MaxExtension)
        {
            return Rejection.InvalidArgument(
                $"extend_by must be at most {policy.MaxExtension:c} ({OrderPolicy.Key(nameof(OrderPolicy.MaxExtension))}) (was {extendBy:c})");
        }

        var latest = CreatedAt + policy.MaxDueAfter;
        return DueAt + extendBy > latest
            ? Rejection.InvalidArgument(
                $"extend_by {extendBy:c} would move due_at of order {OrderId} to {DueAt + extendBy:O}, more than {policy.MaxDueAfter:c} "
                + $"after its placement ({OrderPolicy.Key(nameof(OrderPolicy.MaxDueAfter))}; latest {latest:O})")
            : null;
    }

    private Resolution? FindResolution(string resolutionId) =>
        Resolutions.FirstOrDefault(r => r.ResolutionId == resolutionId);

    private Rejection ResolutionNotFound(string resolutionId) =>
        Rejection.NotFound($"order {OrderId} has no resolution '{resolutionId}'");

    private static Rejection? RequireResolutionStatus(Resolution resolution, string command, params ResolutionStatus[] statuses) =>
        statuses.Contains(resolution.Status)
            ? null
            : Rejection.FailedPrecondition(
                $"resolution {resolution.ResolutionId} is '{Names.Of(resolution.Status)}'; '{command}' needs '{string.Join("' or '", statuses.Select(Names.Of<ResolutionStatus>))}'");

    private Order Replace(Resolution resolution) =>
        this with
        {
            Resolutions = Resolutions.Replace(
                Resolutions.First(r => r.ResolutionId == resolution.ResolutionId), resolution),
        };
}

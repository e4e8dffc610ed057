using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using ReviewMessage = Marketplace.Contracts.Reviews.V1.Review;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// The review record of one order (SPEC 4): the buyer's review, its publication, the seller's
/// review of the buyer and public response, support's removal or eligibility revocation.
/// Immutable; <see cref="Version"/> rises by one per published event.
/// </summary>
public sealed record ReviewRecord
{
    public required string OrderId { get; init; }

    /// <summary>0 before the first event; +1 with every event about this record.</summary>
    public required long Version { get; init; }

    public required string GigId { get; init; }

    public required string SellerId { get; init; }

    public required string BuyerId { get; init; }

    public required string Category { get; init; }

    public required ReviewedOrderOutcome Outcome { get; init; }

    /// <summary>Unspecified until the buyer reviews.</summary>
    public ReviewStatus Status { get; init; }

    public BuyerReview? BuyerReview { get; init; }

    /// <summary>End of the buyer's window (completion + 14/30/90 days, or cancellation + 5 days).</summary>
    public DateTimeOffset? WindowEndsAt { get; init; }

    public DateTimeOffset? PublishedAt { get; init; }

    public SellerReview? SellerReview { get; init; }

    public SellerResponse? SellerResponse { get; init; }

    public Removal? Removal { get; init; }

    public Revocation? EligibilityRevocation { get; init; }

    /// <summary>Shown to the public and counted in the seller's public rating.</summary>
    public bool IsPublic => Status == ReviewStatus.Published;

    /// <summary>
    /// The buyer's review has been published (it may have been removed by support since): its
    /// content is no longer blind (SPEC 4). Before, only the buyer and support read it.
    /// </summary>
    public bool IsRevealed => PublishedAt is not null;

    /// <summary>
    /// Who may read the record (GetReview): the order's buyer and seller, support and internal
    /// callers. What each of them sees is <see cref="ReviewSnapshot.ForCaller"/>'s: blind until
    /// published for all but the buyer and support, the private rating for support and internal
    /// callers only.
    /// </summary>
    public Rejection? AllowRead(Actor caller) => caller.Role switch
    {
        PartyRole.Support or PartyRole.Internal => null,
        PartyRole.Buyer when caller.Id == BuyerId => null,
        PartyRole.Seller when caller.Id == SellerId => null,
        _ => Rejection.PermissionDenied($"caller {Names.Of(caller.Role)} {caller.Id} may not read the review record of order {OrderId}"),
    };

    /// <summary>
    /// The order's buyer reviews it: a completed order within the category's window, or an
    /// eligible cancelled order (SPEC 4). Cancelled-order reviews are published at once, since
    /// the seller cannot review the buyer there; others wait for the seller or the window. A
    /// completed order's window is the one announced when it opened (<paramref name="window"/>),
    /// or the policy's when none was.
    /// </summary>
    public static Decision<ReviewRecord> SubmitBuyerReview(
        ReviewRecord? existing,
        ReviewableOrder order,
        BuyerStanding standing,
        Actor caller,
        BuyerRatings? ratings,
        string text,
        DateTimeOffset now,
        ReviewPolicy policy,
        ReviewWindow? window = null)
    {
        if (caller.Role != PartyRole.Buyer || caller.Id != order.BuyerId)
        {
            return Rejection.PermissionDenied($"only the buyer of order {order.OrderId} may review it; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = Ratings.Validate(ratings) ?? Ratings.Text("text", text);
        if (problem is not null)
        {
            return problem;
        }

        if (existing?.BuyerReview is not null)
        {
            return Rejection.AlreadyExists($"order {order.OrderId} already has a buyer review");
        }

        var record = existing ?? For(order);
        DateTimeOffset windowEndsAt;
        switch (order.State)
        {
            case OrderState.Completed:
                // The window announced for the order when it opened is the one that holds (the policy may have changed since).
                var completedAt = order.CompletedAt!.Value;
                windowEndsAt = window is { Outcome: ReviewedOrderOutcome.Completed } announced
                    ? announced.EndsAt
                    : completedAt + policy.WindowFor(order.Category);
                if (now > windowEndsAt)
                {
                    return Rejection.FailedPrecondition(
                        $"the review window of {(windowEndsAt - completedAt).TotalDays} days after completion of order "
                        + $"{order.OrderId} ended at {windowEndsAt:O}");
                }

                break;
            case OrderState.Cancelled:
                var answer = CancelledOrderEligibility.Evaluate(order, standing, existing, now, policy);
                if (!answer.Eligible)
                {
                    return Rejection.FailedPrecondition($"not eligible ({Names.Proto(answer.FailedRule)}): {answer.Explanation}");
                }

                windowEndsAt = answer.WindowEndsAt!.Value;
                break;
            default:
                return Rejection.FailedPrecondition(
                    $"order {order.OrderId} is in state '{Names.Of(order.State)}'; a review needs 'completed' or 'cancelled'");
        }

        var review = new BuyerReview(Ratings.FromMessage(ratings!), text.Trim(), now);
        var changes = new Changes(record).Then(
            r => r with { BuyerReview = review, Status = ReviewStatus.PendingPublication, WindowEndsAt = windowEndsAt },
            r => new BuyerReviewSubmitted { Review = r });
        return order.State == OrderState.Cancelled
            ? changes.Then(r => r.Published(now), r => new ReviewPublished { Review = r }).Decide()
            : changes.Decide();
    }

    /// <summary>
    /// The seller reviews the buyer: completed orders only, after the buyer's review, within
    /// the buyer's window. Both having reviewed, the buyer's review is published.
    /// </summary>
    public Decision<ReviewRecord> SubmitSellerReview(Actor caller, int rating, string text, DateTimeOffset now)
    {
        var problem = RequireSeller(caller, "review the buyer of")
            ?? Ratings.Stars("rating", rating)
            ?? (string.IsNullOrWhiteSpace(text) ? Rejection.InvalidArgument("text must not be empty") : null);
        if (problem is not null)
        {
            return problem;
        }

        if (Outcome == ReviewedOrderOutcome.Cancelled)
        {
            return Rejection.FailedPrecondition($"sellers cannot review buyers on cancelled orders (order {OrderId})");
        }

        if (SellerReview is not null)
        {
            return Rejection.AlreadyExists($"the seller has already reviewed the buyer of order {OrderId}");
        }

        if (BuyerReview is null || Status == ReviewStatus.Removed)
        {
            return Rejection.FailedPrecondition($"the seller may review the buyer of order {OrderId} only after the buyer has reviewed");
        }

        if (Status != ReviewStatus.PendingPublication || now > WindowEndsAt)
        {
            return Rejection.FailedPrecondition($"the review window of order {OrderId} ended at {WindowEndsAt:O}");
        }

        return new Changes(this)
            .Then(r => r with { SellerReview = new SellerReview(rating, text.Trim(), now) }, r => new SellerReviewSubmitted { Review = r })
            .Then(r => r.Published(now), r => new ReviewPublished { Review = r, BecauseWindowEnded = false })
            .Decide();
    }

    /// <summary>The seller's one public response to the published buyer review; never edited.</summary>
    public Decision<ReviewRecord> PostSellerResponse(Actor caller, string text, DateTimeOffset now)
    {
        var problem = RequireSeller(caller, "respond to the review of")
            ?? (string.IsNullOrWhiteSpace(text) ? Rejection.InvalidArgument("text must not be empty") : null);
        if (problem is not null)
        {
            return problem;
        }

        if (SellerResponse is not null)
        {
            return Rejection.AlreadyExists($"the seller has already responded to the review of order {OrderId}; responses cannot be edited");
        }

        if (Status != ReviewStatus.Published)
        {
            return Rejection.FailedPrecondition(
                $"the review of order {OrderId} is '{StatusName}'; a response needs a published review");
        }

        return new Changes(this)
            .Then(r => r with { SellerResponse = new SellerResponse(text.Trim(), now) }, r => new SellerResponsePosted { Review = r })
            .Decide();
    }

    /// <summary>
    /// Support removes the seller's response (SPEC 4: a response changes only this way). The
    /// response slot stays used: no new response can be posted.
    /// </summary>
    public Decision<ReviewRecord> RemoveSellerResponse(Actor caller, string reason, DateTimeOffset now)
    {
        if (caller.Role != PartyRole.Support)
        {
            return Rejection.PermissionDenied($"only support may remove seller responses; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Rejection.InvalidArgument("reason must not be empty");
        }

        if (SellerResponse is not { } response)
        {
            return Rejection.FailedPrecondition($"the review of order {OrderId} has no seller response to remove");
        }

        if (response.Removal is not null)
        {
            return Rejection.FailedPrecondition($"the seller response to the review of order {OrderId} is already removed");
        }

        return new Changes(this)
            .Then(r => r with { SellerResponse = response with { Removal = new Removal(reason.Trim(), caller.Id, now) } },
                r => new SellerResponseRemoved { Review = r })
            .Decide();
    }

    /// <summary>Support removes a review that breaks the terms; it stops counting everywhere.</summary>
    public Decision<ReviewRecord> Remove(Actor caller, string reason, DateTimeOffset now)
    {
        if (caller.Role != PartyRole.Support)
        {
            return Rejection.PermissionDenied($"only support may remove reviews; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Rejection.InvalidArgument("reason must not be empty");
        }

        if (BuyerReview is null)
        {
            return Rejection.FailedPrecondition($"order {OrderId} has no buyer review to remove");
        }

        if (Status == ReviewStatus.Removed)
        {
            return Rejection.FailedPrecondition($"the review of order {OrderId} is already removed");
        }

        return new Changes(this)
            .Then(r => r with { Status = ReviewStatus.Removed, Removal = new Removal(reason.Trim(), caller.Id, now) },
                r => new ReviewRemoved { Review = r })
            .Decide();
    }

    /// <summary>
    /// Support revokes the buyer's eligibility to review a cancelled order (terms violation).
    /// A review already written is removed instead.
    /// </summary>
    public static Decision<ReviewRecord> RevokeEligibility(
        ReviewRecord? existing, ReviewableOrder order, Actor caller, string reason, DateTimeOffset now)
    {
        if (caller.Role != PartyRole.Support)
        {
            return Rejection.PermissionDenied($"only support may revoke review eligibility; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            return Rejection.InvalidArgument("reason must not be empty");
        }

        if (order.State != OrderState.Cancelled)
        {
            return Rejection.FailedPrecondition($"order {order.OrderId} is in state '{Names.Of(order.State)}'; eligibility is revoked on cancelled orders");
        }

        if (existing?.EligibilityRevocation is not null)
        {
            return Rejection.AlreadyExists($"review eligibility of order {order.OrderId} is already revoked");
        }

        if (existing?.BuyerReview is not null)
        {
            return Rejection.FailedPrecondition($"order {order.OrderId} has already been reviewed; remove the review instead");
        }

        var revoked = (existing ?? For(order)) with
        {
            Version = (existing?.Version ?? 0) + 1,
            EligibilityRevocation = new Revocation(reason.Trim(), caller.Id, now),
        };
        return Decision<ReviewRecord>.Accept(revoked,
        [
            new ReviewEligibilityRevoked
            {
                OrderId = revoked.OrderId,
                Version = revoked.Version,
                BuyerId = revoked.BuyerId,
                SellerId = revoked.SellerId,
                Reason = revoked.EligibilityRevocation.Reason,
                RevokedByRole = caller.Role,
                RevokedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
            },
        ]);
    }

    /// <summary>
    /// Publishes a pending review whose window has ended (SPEC 4). Accepted with no events
    /// when nothing is due.
    /// </summary>
    public Decision<ReviewRecord> OnTimer(DateTimeOffset now) =>
        Status == ReviewStatus.PendingPublication && now >= WindowEndsAt
            ? new Changes(this).Then(r => r.Published(now), r => new ReviewPublished { Review = r, BecauseWindowEnded = true }).Decide()
            : Decision<ReviewRecord>.Accept(this, []);

    private string StatusName => Status == ReviewStatus.Unspecified ? "not_reviewed" : Names.Of(Status);

    /// <summary>The empty record of an order nobody has reviewed yet (version 0, no events).</summary>
    public static ReviewRecord For(ReviewableOrder order) => new()
    {
        OrderId = order.OrderId,
        Version = 0,
        GigId = order.GigId,
        SellerId = order.SellerId,
        BuyerId = order.BuyerId,
        Category = order.Category,
        Outcome = order.State == OrderState.Cancelled ? ReviewedOrderOutcome.Cancelled : ReviewedOrderOutcome.Completed,
    };

    private ReviewRecord Published(DateTimeOffset now) => this with { Status = ReviewStatus.Published, PublishedAt = now };

    private Rejection? RequireSeller(Actor caller, string action) =>
        caller.Role == PartyRole.Seller && caller.Id == SellerId
            ? null
            : Rejection.PermissionDenied($"only the seller of order {OrderId} may {action} it; caller is {Names.Of(caller.Role)} {caller.Id}");

    /// <summary>Records changes: each bumps the version and yields one event with the record after it.</summary>
    private sealed class Changes(ReviewRecord start)
    {
        private readonly List<IMessage> events = [];
        private ReviewRecord current = start;

        public Changes Then(Func<ReviewRecord, ReviewRecord> change, Func<ReviewMessage, IMessage> toEvent)
        {
            current = change(current) with { Version = current.Version + 1 };
            events.Add(toEvent(ReviewSnapshot.ForEvent(current)));
            return this;
        }

        public Decision<ReviewRecord> Decide() => Decision<ReviewRecord>.Accept(current, events);
    }
}

/// <summary>The buyer's review of the order.</summary>
public sealed record BuyerReview(Ratings Ratings, string Text, DateTimeOffset SubmittedAt);

/// <summary>The seller's review of the buyer (completed orders only).</summary>
public sealed record SellerReview(int Rating, string Text, DateTimeOffset SubmittedAt);

/// <summary>The seller's one public response, and its removal by support if any.</summary>
public sealed record SellerResponse(string Text, DateTimeOffset PostedAt, Removal? Removal = null);

/// <summary>Support's removal of a review, with its reason.</summary>
public sealed record Removal(string Reason, string RemovedBy, DateTimeOffset RemovedAt);

/// <summary>Support's revocation of cancelled-order review eligibility.</summary>
public sealed record Revocation(string Reason, string RevokedBy, DateTimeOffset RevokedAt);

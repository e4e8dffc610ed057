using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Reviews.V1;
using ConversationMessage = Marketplace.Contracts.Messaging.V1.Conversation;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// A conversation between one buyer and one seller, optionally about an order, and the facts
/// it yields (SPEC 3): seller response times, unresponsive marks, the one review request.
/// Message bodies are published in events and stored by the store; the aggregate keeps only
/// what the rules need. Immutable; <see cref="Version"/> rises by one per event.
/// </summary>
public sealed record Conversation
{
    public required string ConversationId { get; init; }

    public required long Version { get; init; }

    public required string BuyerId { get; init; }

    public required string SellerId { get; init; }

    /// <summary>Empty when the conversation is not about an order.</summary>
    public required string OrderId { get; init; }

    public required PartyRole OpenedBy { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset LastMessageAt { get; init; }

    public int MessageCount { get; init; }

    /// <summary>The party expected to answer (who did not send the latest messages); Unspecified when none.</summary>
    public PartyRole AwaitingReplyFrom { get; init; }

    /// <summary>Time of the first unanswered message of the other party.</summary>
    public DateTimeOffset? AwaitingSince { get; init; }

    /// <summary>
    /// The timer is done with the current wait: it was marked unresponsive (one mark per wait), or,
    /// for a question the buyer asked after the order closed, it passed without a mark (<see cref="OnTimer"/>).
    /// </summary>
    public bool CurrentWaitMarked { get; init; }

    public int SellerReplyCount { get; init; }

    public TimeSpan TotalSellerResponseTime { get; init; }

    public TimeSpan MaxSellerResponseTime { get; init; }

    /// <summary>The seller's first message in a buyer-opened conversation (response rate).</summary>
    public DateTimeOffset? FirstSellerReplyAt { get; init; }

    public int SellerUnresponsiveCount { get; init; }

    public int BuyerUnresponsiveCount { get; init; }

    public DateTimeOffset? ReviewRequestedAt { get; init; }

    /// <summary>
    /// Since when the seller waits on the buyer for something the running order needs (SPEC 3):
    /// set by a seller message that says so (<c>needs_buyer_input</c>) on an order conversation while
    /// the order runs before its delivery,
    /// cleared by the buyer's next message or the order's delivery or close. Only such a wait can
    /// become a buyer-unresponsive mark; null when none runs.
    /// </summary>
    public DateTimeOffset? BuyerWaitSince { get; init; }

    /// <summary>
    /// The time the seller spent waiting on an unresponsive buyer: the sum over ended waits that
    /// were marked, each from its start to the buyer's next message or the order's delivery or
    /// close, whichever came first. A marked wait still running is added when it ends.
    /// </summary>
    public TimeSpan BuyerUnresponsiveWait { get; init; }

    /// <summary>
    /// A buyer-opened conversation started while an earlier inquiry of the same buyer to the same
    /// seller was still waiting for the seller's first reply within its response window: the same
    /// inquiry asked again, so it does not count for the response rate on its own
    /// (<see cref="ResponseRate.IsFollowUp"/>). Fixed when the conversation starts.
    /// </summary>
    public bool FollowUpInquiry { get; init; }

    public bool IsAboutOrder => OrderId.Length > 0;

    /// <summary>
    /// When the current wait becomes unresponsive, if it can (SPEC 3): a buyer's question on an
    /// order when strictly longer than the window, a running wait on the buyer at the window; null
    /// when no wait can be marked (none runs, it is marked, or no order).
    /// </summary>
    public DateTimeOffset? UnresponsiveDueAt(MessagingPolicy policy) =>
        !IsAboutOrder || CurrentWaitMarked ? null
        : AwaitingReplyFrom == PartyRole.Seller && AwaitingSince is { } asked ? asked + policy.UnresponsiveAfter + TimeSpan.FromTicks(1)
        : AwaitingReplyFrom == PartyRole.Buyer && BuyerWaitSince is { } waiting ? waiting + policy.UnresponsiveAfter
        : null;

    /// <summary>
    /// The conversation a caller meets who names an id no conversation has: one between no accounts.
    /// The permission rules answer on it as on a real conversation the caller is no party of
    /// (permission comes before existence, issue 16), so their refusal tells nothing about whether
    /// the conversation exists.
    /// </summary>
    public static Conversation OfNobody(string conversationId) => new()
    {
        ConversationId = conversationId,
        Version = 0,
        BuyerId = "",
        SellerId = "",
        OrderId = "",
        OpenedBy = PartyRole.Unspecified,
        StartedAt = DateTimeOffset.UnixEpoch,
        LastMessageAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>Who may read the conversation: its buyer and seller, support and internal callers.</summary>
    public Rejection? AllowRead(Actor caller) =>
        caller.Role is PartyRole.Support or PartyRole.Internal ? null : RequireParty(caller);

    /// <summary>
    /// A buyer or seller opens a conversation with the other party and a first message.
    /// <paramref name="orderRunning"/>: the conversation's order runs before its delivery (see <see cref="OrderWork"/>);
    /// <paramref name="needsBuyerInput"/>: the seller's first message asks the buyer for something that order needs.
    /// </summary>
    public static Decision<Conversation> Start(
        string conversationId, string messageId, Actor caller, string counterpartId, string orderId, string text,
        IReadOnlyList<string> attachmentRefs, DateTimeOffset now, bool orderRunning = false, bool needsBuyerInput = false)
    {
        if (caller.Role is not (PartyRole.Buyer or PartyRole.Seller))
        {
            return Rejection.PermissionDenied($"only buyers and sellers start conversations; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = NotEmpty("conversation_id", conversationId)
            ?? NotEmpty("counterpart_id", counterpartId)
            ?? (counterpartId == caller.Id ? Rejection.InvalidArgument("counterpart_id must name the other party, not the caller") : null)
            ?? Content(text, attachmentRefs)
            ?? CheckBuyerInputRequest(caller, orderId ?? "", needsBuyerInput, orderRunning);
        if (problem is not null)
        {
            return problem;
        }

        var isBuyer = caller.Role == PartyRole.Buyer;
        var conversation = new Conversation
        {
            ConversationId = conversationId,
            Version = 0,
            BuyerId = isBuyer ? caller.Id : counterpartId,
            SellerId = isBuyer ? counterpartId : caller.Id,
            OrderId = orderId ?? "",
            OpenedBy = caller.Role,
            StartedAt = now,
            LastMessageAt = now,
        };
        var message = NewMessage(messageId, caller, text, attachmentRefs, now, needsBuyerInput);
        var started = conversation.Received(caller.Role, now, needsBuyerInput).Item1 with { Version = 1 };
        return Decision<Conversation>.Accept(started,
            [new ConversationStarted { Conversation = ConversationSnapshot.ToMessage(started), FirstMessage = message }]);
    }

    /// <summary>
    /// A party sends a message. A seller message answering a waiting buyer message records the
    /// seller's response time (buyer message -> seller's next message, SPEC 3). A seller message
    /// that asks the buyer for something the order needs (<paramref name="needsBuyerInput"/>), while
    /// the order runs before its delivery (<paramref name="orderRunning"/>), starts a wait on the
    /// buyer; the buyer's message ends one.
    /// </summary>
    public Decision<Conversation> Send(
        Actor caller, string messageId, string text, IReadOnlyList<string> attachmentRefs, DateTimeOffset now,
        bool orderRunning = false, bool needsBuyerInput = false)
    {
        var problem = RequireParty(caller) ?? Content(text, attachmentRefs) ?? CheckBuyerInputRequest(caller, OrderId, needsBuyerInput, orderRunning);
        if (problem is not null)
        {
            return problem;
        }

        var (next, responseTime) = Received(caller.Role, now, needsBuyerInput);
        next = next with { Version = Version + 1 };
        var sent = new MessageSent
        {
            Conversation = ConversationSnapshot.ToMessage(next),
            Message = NewMessage(messageId, caller, text, attachmentRefs, now, needsBuyerInput),
            SellerResponseTime = responseTime is { } rt ? Duration.FromTimeSpan(rt) : null,
        };
        return Decision<Conversation>.Accept(next, [sent]);
    }

    /// <summary>
    /// Marks the waiting party unresponsive once per wait on an order conversation (SPEC 3):
    /// the seller after more than the policy window, the buyer after the window or more, and the
    /// buyer only on a wait for something the running order needs (<see cref="BuyerWaitSince"/>).
    /// Accepted with no events when nothing is due. A question the buyer asked once the order had
    /// closed (<paramref name="orderClosedAt"/>: completed or cancelled) marks nobody: it is no longer
    /// about the order's work, whose communication the order's facts and the buyer's review already
    /// hold; marked, it would let a buyer change a closed order's communication area at any time
    /// after, long past its review window. The seller's reply to it still counts as a response time.
    /// </summary>
    public Decision<Conversation> OnTimer(DateTimeOffset now, MessagingPolicy policy, DateTimeOffset? orderClosedAt = null)
    {
        if (UnresponsiveDueAt(policy) is not { } due || now < due)
        {
            return Decision<Conversation>.Accept(this, []);
        }

        if (AwaitingReplyFrom == PartyRole.Seller && AwaitingSince is { } asked && orderClosedAt is { } closed && asked >= closed)
        {
            return Decision<Conversation>.Accept(this with { CurrentWaitMarked = true }, []);
        }

        if (AwaitingReplyFrom == PartyRole.Seller && AwaitingSince is { } since)
        {
            var marked = this with { Version = Version + 1, CurrentWaitMarked = true, SellerUnresponsiveCount = SellerUnresponsiveCount + 1 };
            return Decision<Conversation>.Accept(marked,
            [
                new SellerUnresponsiveMarked
                {
                    Conversation = ConversationSnapshot.ToMessage(marked),
                    QuestionSentAt = Timestamp.FromDateTimeOffset(since),
                    MarkedAt = Timestamp.FromDateTimeOffset(now),
                },
            ]);
        }

        var waitingSince = BuyerWaitSince!.Value;
        var buyerMarked = this with { Version = Version + 1, CurrentWaitMarked = true, BuyerUnresponsiveCount = BuyerUnresponsiveCount + 1 };
        return Decision<Conversation>.Accept(buyerMarked,
        [
            new BuyerUnresponsiveMarked
            {
                Conversation = ConversationSnapshot.ToMessage(buyerMarked),
                MessageSentAt = Timestamp.FromDateTimeOffset(waitingSince),
                MarkedAt = Timestamp.FromDateTimeOffset(now),
            },
        ]);
    }

    /// <summary>
    /// The order stopped running before its delivery (delivered, completed or cancelled; SPEC 3):
    /// a running wait on the buyer ends at the first of <paramref name="workEnds"/> (the order's
    /// delivery and close times) at or after its start. A wait that was marked adds its time to
    /// <see cref="BuyerUnresponsiveWait"/>, published as <see cref="BuyerWaitEnded"/>; an unmarked
    /// one just stops (nothing published, the version stays).
    /// </summary>
    public Decision<Conversation> OrderLeftWork(IReadOnlyList<DateTimeOffset> workEnds, DateTimeOffset now)
    {
        if (BuyerWaitSince is not { } since)
        {
            return Decision<Conversation>.Accept(this, []);
        }

        var ended = this with { BuyerWaitSince = null, CurrentWaitMarked = false };
        if (!CurrentWaitMarked)
        {
            return Decision<Conversation>.Accept(ended, []);
        }

        // The first delivery or close at or after the wait's start; none after it means Messaging
        // learned late that the order had left its work before the message: nothing was waited.
        var endedAt = workEnds.Count == 0 ? (now > since ? now : since) : workEnds.Where(t => t >= since).DefaultIfEmpty(since).Min();
        var waited = endedAt - since;
        ended = ended with { Version = Version + 1, BuyerUnresponsiveWait = BuyerUnresponsiveWait + waited };
        return Decision<Conversation>.Accept(ended,
        [
            new BuyerWaitEnded
            {
                Conversation = ConversationSnapshot.ToMessage(ended),
                WaitingSince = Timestamp.FromDateTimeOffset(since),
                EndedAt = Timestamp.FromDateTimeOffset(endedAt),
                Waited = Duration.FromTimeSpan(waited),
            },
        ]);
    }

    /// <summary>
    /// The seller asks the buyer to review the completed order (SPEC 3): once per order, only
    /// while the order's review window is open as Reviews reported it, not for orders completed
    /// more than 90 days ago, and never offering anything or asking for a particular rating
    /// (<paramref name="screen"/>). A review request waits for nothing the order needs: it never
    /// starts a wait on the buyer.
    /// </summary>
    public Decision<Conversation> RequestReview(
        Actor caller, string messageId, string text, OrderReviewFacts order, DateTimeOffset now, MessagingPolicy policy, ReviewRequestScreen screen)
    {
        if (caller.Role != PartyRole.Seller || caller.Id != SellerId)
        {
            return Rejection.PermissionDenied(
                $"only the seller of conversation {ConversationId} may request a review; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = NotEmpty("text", text) ?? screen.Check(text);
        if (problem is not null)
        {
            return problem;
        }

        if (!IsAboutOrder || order.OrderId != OrderId)
        {
            return Rejection.FailedPrecondition($"conversation {ConversationId} is not about an order; review requests need the order's conversation");
        }

        if (ReviewRequestedAt is not null)
        {
            return Rejection.AlreadyExists($"a review request was already sent for order {OrderId} (one per order)");
        }

        if (order.CompletedAt is not { } completedAt)
        {
            return Rejection.FailedPrecondition($"order {OrderId} is not completed; review requests are for completed orders");
        }

        if (now - completedAt > policy.ReviewRequestMaxOrderAge)
        {
            return Rejection.FailedPrecondition(
                $"order {OrderId} was completed more than {policy.ReviewRequestMaxOrderAge.TotalDays} days ago; no review requests for older orders");
        }

        if (order.Window.Closed(OrderId, now) is { } closed)
        {
            return closed;
        }

        var (next, _) = Received(PartyRole.Seller, now, startsBuyerWait: false);
        next = next with { Version = Version + 1, ReviewRequestedAt = now };
        return Decision<Conversation>.Accept(next,
        [
            new ReviewRequested
            {
                Conversation = ConversationSnapshot.ToMessage(next),
                Message = NewMessage(messageId, caller, text, [], now),
            },
        ]);
    }

    /// <summary>
    /// Applies a message from <paramref name="sender"/>: counts, waits and response times. The
    /// buyer's message ends a running wait on the buyer (adding it to the unresponsive time when it
    /// was marked); a seller message starts one only when it asked for something the running order
    /// needs (<paramref name="startsBuyerWait"/>, checked by <see cref="CheckBuyerInputRequest"/>).
    /// </summary>
    private (Conversation, TimeSpan?) Received(PartyRole sender, DateTimeOffset now, bool startsBuyerWait)
    {
        var other = sender == PartyRole.Buyer ? PartyRole.Seller : PartyRole.Buyer;
        var next = this with { MessageCount = MessageCount + 1, LastMessageAt = now };
        TimeSpan? responseTime = null;
        if (sender == PartyRole.Seller && AwaitingReplyFrom == PartyRole.Seller && AwaitingSince is { } since)
        {
            var rt = now - since;
            responseTime = rt;
            next = next with
            {
                SellerReplyCount = SellerReplyCount + 1,
                TotalSellerResponseTime = TotalSellerResponseTime + rt,
                MaxSellerResponseTime = rt > MaxSellerResponseTime ? rt : MaxSellerResponseTime,
            };
        }

        if (sender == PartyRole.Seller && OpenedBy == PartyRole.Buyer && FirstSellerReplyAt is null)
        {
            next = next with { FirstSellerReplyAt = now };
        }

        if (sender == PartyRole.Buyer && BuyerWaitSince is { } waitingSince)
        {
            var waited = now > waitingSince ? now - waitingSince : TimeSpan.Zero;
            next = next with
            {
                BuyerWaitSince = null,
                BuyerUnresponsiveWait = CurrentWaitMarked ? BuyerUnresponsiveWait + waited : BuyerUnresponsiveWait,
            };
        }

        if (AwaitingReplyFrom == other)
        {
            // Consecutive messages of one party keep the wait running from the first of them; a
            // seller message that asks for something the running order needs starts a wait on the
            // buyer if none runs (e.g. after a "thanks, starting now", a question once a revision came).
            return startsBuyerWait && next.BuyerWaitSince is null
                ? (next with { BuyerWaitSince = now, CurrentWaitMarked = false }, responseTime)
                : (next, responseTime);
        }

        return (next with
        {
            AwaitingReplyFrom = other,
            AwaitingSince = now,
            CurrentWaitMarked = false,
            BuyerWaitSince = startsBuyerWait ? now : null,
        }, responseTime);
    }

    private Rejection? RequireParty(Actor caller)
    {
        var partyId = caller.Role switch
        {
            PartyRole.Buyer => BuyerId,
            PartyRole.Seller => SellerId,
            _ => null,
        };
        return partyId is not null && partyId == caller.Id
            ? null
            : Rejection.PermissionDenied($"caller {Names.Of(caller.Role)} {caller.Id} is not a party of conversation {ConversationId}");
    }

    private static Rejection? NotEmpty(string field, string? value) =>
        string.IsNullOrWhiteSpace(value) ? Rejection.InvalidArgument($"{field} must not be empty") : null;

    private static Rejection? Content(string text, IReadOnlyList<string> attachmentRefs)
    {
        if (attachmentRefs.Any(string.IsNullOrWhiteSpace))
        {
            return Rejection.InvalidArgument("attachment_refs must not contain empty references");
        }

        return string.IsNullOrWhiteSpace(text) && attachmentRefs.Count == 0
            ? Rejection.InvalidArgument("text must not be empty (or send an attachment)")
            : null;
    }

    /// <summary>
    /// SPEC 3: only a message "that waits for something the order needs" can make the buyer
    /// unresponsive, and the sender says so (<c>needs_buyer_input</c>): any seller message used to
    /// start a wait, so a "thanks, starting now" met by a silent buyer gave the seller a
    /// buyer-unresponsive mark (an exemption, and the wait kept out of lateness). Only the seller asks,
    /// only on an order's conversation, and only while that order runs before its delivery.
    /// </summary>
    private static Rejection? CheckBuyerInputRequest(Actor caller, string orderId, bool needsBuyerInput, bool orderRunning)
    {
        if (!needsBuyerInput)
        {
            return null;
        }

        if (caller.Role != PartyRole.Seller)
        {
            return Rejection.InvalidArgument("needs_buyer_input: only the seller's messages ask the buyer for input (SPEC 3)");
        }

        if (orderId.Length == 0)
        {
            return Rejection.InvalidArgument("needs_buyer_input: only a message on an order's conversation asks for something the order needs (SPEC 3)");
        }

        return orderRunning
            ? null
            : Rejection.FailedPrecondition(
                $"order {orderId} is not running before its delivery: needs_buyer_input asks for something the running order needs (SPEC 3); send the message without it");
    }

    private static ChatMessage NewMessage(string messageId, Actor caller, string text, IReadOnlyList<string> attachmentRefs, DateTimeOffset now, bool needsBuyerInput = false)
    {
        var message = new ChatMessage
        {
            MessageId = messageId,
            SenderRole = caller.Role,
            SenderId = caller.Id,
            SentAt = Timestamp.FromDateTimeOffset(now),
            Text = text,
            NeedsBuyerInput = needsBuyerInput,
        };
        message.AttachmentRefs.AddRange(attachmentRefs);
        return message;
    }
}

/// <summary>
/// What Messaging knows about an order when a seller asks for a review: its completion (from
/// the orders events; null while not completed) and its review window (from Reviews' events).
/// </summary>
public sealed record OrderReviewFacts(string OrderId, DateTimeOffset? CompletedAt, ReviewWindow Window);

/// <summary>
/// An order's review window as Reviews reported it (reviews.review_window_opened.v1 /
/// reviews.review_window_closed.v1): each part is kept when it arrives, in whatever order.
/// </summary>
/// <param name="OpensAt">When the buyer's window opened; null until Reviews reported it.</param>
/// <param name="EndsAt">When it ends (completion + 14 days, 30 or more in categories so configured).</param>
/// <param name="ClosedBy">Why Reviews closed it (the buyer reviewed, it ended, support revoked); null while open.</param>
public sealed record ReviewWindow(DateTimeOffset? OpensAt, DateTimeOffset? EndsAt, ReviewWindowCloseReason? ClosedBy)
{
    public static ReviewWindow Unknown { get; } = new(null, null, null);

    /// <summary>The refusal naming why a review request cannot be sent at <paramref name="now"/>, or null while the window is open.</summary>
    public Rejection? Closed(string orderId, DateTimeOffset now)
    {
        var reviewable = $"order {orderId} can no longer be reviewed by its buyer";
        if (ClosedBy is { } reason)
        {
            return Rejection.FailedPrecondition(reason switch
            {
                ReviewWindowCloseReason.Reviewed => $"{reviewable}: the buyer has reviewed it",
                ReviewWindowCloseReason.Revoked => $"{reviewable}: support revoked its review eligibility",
                _ => $"{reviewable}: the review window of order {orderId} has ended",
            });
        }

        if (OpensAt is not { } opensAt || EndsAt is not { } endsAt)
        {
            return Rejection.FailedPrecondition(
                $"order {orderId} has no open review window (Reviews has not reported one); review requests need the buyer's review window");
        }

        if (now > endsAt)
        {
            return Rejection.FailedPrecondition($"{reviewable}: its review window ended at {endsAt.ToUniversalTime():O}");
        }

        return now < opensAt
            ? Rejection.FailedPrecondition($"order {orderId}'s review window opens at {opensAt.ToUniversalTime():O}; review requests need the buyer's review window")
            : null;
    }
}

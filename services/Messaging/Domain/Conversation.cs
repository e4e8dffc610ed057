using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
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

    /// <summary>The current wait has already been marked unresponsive (one mark per wait).</summary>
    public bool CurrentWaitMarked { get; init; }

    public int SellerReplyCount { get; init; }

    public TimeSpan TotalSellerResponseTime { get; init; }

    public TimeSpan MaxSellerResponseTime { get; init; }

    /// <summary>The seller's first message in a buyer-opened conversation (response rate).</summary>
    public DateTimeOffset? FirstSellerReplyAt { get; init; }

    public int SellerUnresponsiveCount { get; init; }

    public int BuyerUnresponsiveCount { get; init; }

    public DateTimeOffset? ReviewRequestedAt { get; init; }

    public bool IsAboutOrder => OrderId.Length > 0;

    /// <summary>Who may read the conversation: its buyer and seller, support and internal callers.</summary>
    public Rejection? AllowRead(Actor caller) =>
        caller.Role is PartyRole.Support or PartyRole.Internal ? null : RequireParty(caller);

    /// <summary>A buyer or seller opens a conversation with the other party and a first message.</summary>
    public static Decision<Conversation> Start(
        string conversationId, string messageId, Actor caller, string counterpartId, string orderId, string text,
        IReadOnlyList<string> attachmentRefs, DateTimeOffset now)
    {
        if (caller.Role is not (PartyRole.Buyer or PartyRole.Seller))
        {
            return Rejection.PermissionDenied($"only buyers and sellers start conversations; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = NotEmpty("conversation_id", conversationId)
            ?? NotEmpty("counterpart_id", counterpartId)
            ?? (counterpartId == caller.Id ? Rejection.InvalidArgument("counterpart_id must name the other party, not the caller") : null)
            ?? Content(text, attachmentRefs);
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
        var message = NewMessage(messageId, caller, text, attachmentRefs, now);
        var started = conversation.Received(caller.Role, now).Item1 with { Version = 1 };
        return Decision<Conversation>.Accept(started,
            [new ConversationStarted { Conversation = ConversationSnapshot.ToMessage(started), FirstMessage = message }]);
    }

    /// <summary>
    /// A party sends a message. A seller message answering a waiting buyer message records the
    /// seller's response time (buyer message -> seller's next message, SPEC 3).
    /// </summary>
    public Decision<Conversation> Send(
        Actor caller, string messageId, string text, IReadOnlyList<string> attachmentRefs, DateTimeOffset now)
    {
        var problem = RequireParty(caller) ?? Content(text, attachmentRefs);
        if (problem is not null)
        {
            return problem;
        }

        var (next, responseTime) = Received(caller.Role, now);
        next = next with { Version = Version + 1 };
        var sent = new MessageSent
        {
            Conversation = ConversationSnapshot.ToMessage(next),
            Message = NewMessage(messageId, caller, text, attachmentRefs, now),
            SellerResponseTime = responseTime is { } rt ? Duration.FromTimeSpan(rt) : null,
        };
        return Decision<Conversation>.Accept(next, [sent]);
    }

    /// <summary>
    /// Marks the waiting party unresponsive once per wait on an order conversation (SPEC 3):
    /// the seller after more than the policy window, the buyer after the window or more.
    /// Accepted with no events when nothing is due.
    /// </summary>
    public Decision<Conversation> OnTimer(DateTimeOffset now, MessagingPolicy policy)
    {
        if (!IsAboutOrder || CurrentWaitMarked || AwaitingSince is not { } since)
        {
            return Decision<Conversation>.Accept(this, []);
        }

        var waited = now - since;
        if (AwaitingReplyFrom == PartyRole.Seller && waited > policy.UnresponsiveAfter)
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

        if (AwaitingReplyFrom == PartyRole.Buyer && waited >= policy.UnresponsiveAfter)
        {
            var marked = this with { Version = Version + 1, CurrentWaitMarked = true, BuyerUnresponsiveCount = BuyerUnresponsiveCount + 1 };
            return Decision<Conversation>.Accept(marked,
            [
                new BuyerUnresponsiveMarked
                {
                    Conversation = ConversationSnapshot.ToMessage(marked),
                    MessageSentAt = Timestamp.FromDateTimeOffset(since),
                    MarkedAt = Timestamp.FromDateTimeOffset(now),
                },
            ]);
        }

        return Decision<Conversation>.Accept(this, []);
    }

    /// <summary>
    /// The seller asks the buyer to review the completed order (SPEC 3): once per order, only
    /// while it can still be reviewed, not for orders completed more than 90 days ago, and
    /// never offering anything or asking for a particular rating.
    /// </summary>
    public Decision<Conversation> RequestReview(
        Actor caller, string messageId, string text, OrderReviewFacts order, DateTimeOffset now, MessagingPolicy policy)
    {
        if (caller.Role != PartyRole.Seller || caller.Id != SellerId)
        {
            return Rejection.PermissionDenied(
                $"only the seller of conversation {ConversationId} may request a review; caller is {Names.Of(caller.Role)} {caller.Id}");
        }

        var problem = NotEmpty("text", text) ?? new ReviewRequestScreen(policy).Check(text);
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

        if (order.BuyerReviewed || now > order.ReviewWindowEndsAt)
        {
            return Rejection.FailedPrecondition($"order {OrderId} can no longer be reviewed by its buyer");
        }

        var (next, _) = Received(PartyRole.Seller, now);
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

    /// <summary>Applies a message from <paramref name="sender"/>: counts, waits and response times.</summary>
    private (Conversation, TimeSpan?) Received(PartyRole sender, DateTimeOffset now)
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

        // Consecutive messages of one party keep the wait running from the first of them.
        return AwaitingReplyFrom == other
            ? (next, responseTime)
            : (next with { AwaitingReplyFrom = other, AwaitingSince = now, CurrentWaitMarked = false }, responseTime);
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

    private static ChatMessage NewMessage(string messageId, Actor caller, string text, IReadOnlyList<string> attachmentRefs, DateTimeOffset now)
    {
        var message = new ChatMessage
        {
            MessageId = messageId,
            SenderRole = caller.Role,
            SenderId = caller.Id,
            SentAt = Timestamp.FromDateTimeOffset(now),
            Text = text,
        };
        message.AttachmentRefs.AddRange(attachmentRefs);
        return message;
    }
}

/// <summary>
/// What Messaging knows about an order when a seller asks for a review: its completion (from
/// the orders events; null while not completed), whether the buyer has reviewed and when the
/// buyer's review window ends (from the reviews events and the review policy).
/// </summary>
public sealed record OrderReviewFacts(string OrderId, DateTimeOffset? CompletedAt, bool BuyerReviewed, DateTimeOffset? ReviewWindowEndsAt);

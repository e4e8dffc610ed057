using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>SPEC 3: conversations, seller response time, unresponsive marks.</summary>
public sealed class ConversationTests
{
    [Fact]
    public void Spec3_a_buyer_opens_an_order_conversation_and_the_seller_is_awaited()
    {
        var decision = Conversation.Start("conv-1", "m-1", Buyer, "s-1", "ord-1", "Question about the order", ["att://1"], T0);

        var c = Accepted(decision);
        Assert.Equal(("b-1", "s-1", "ord-1"), (c.BuyerId, c.SellerId, c.OrderId));
        Assert.Equal(PartyRole.Buyer, c.OpenedBy);
        Assert.Equal(PartyRole.Seller, c.AwaitingReplyFrom);
        Assert.Equal(T0, c.AwaitingSince);
        Assert.Equal(1, c.Version);
        var started = Assert.IsType<ConversationStarted>(Assert.Single(decision.Events));
        Assert.Equal("att://1", Assert.Single(started.FirstMessage.AttachmentRefs));
        Assert.Equal("b-1", started.FirstMessage.SenderId);
    }

    [Fact]
    public void Spec3_seller_response_time_is_buyer_message_to_sellers_next_message()
    {
        var c = BuyerOpened();

        var reply = Say(c, Seller, T0.AddHours(3));

        var answered = Accepted(reply);
        var sent = Assert.IsType<MessageSent>(Assert.Single(reply.Events));
        Assert.Equal(TimeSpan.FromHours(3), sent.SellerResponseTime.ToTimeSpan());
        Assert.Equal(1, answered.SellerReplyCount);
        Assert.Equal(TimeSpan.FromHours(3), answered.TotalSellerResponseTime);
        Assert.Equal(T0.AddHours(3), answered.FirstSellerReplyAt);
        Assert.Equal(PartyRole.Buyer, answered.AwaitingReplyFrom);
    }

    [Fact]
    public void Spec3_the_clock_runs_from_the_first_unanswered_buyer_message()
    {
        var c = Accepted(Say(BuyerOpened(), Buyer, T0.AddHours(2), "any news?"));

        var answered = Accepted(Say(c, Seller, T0.AddHours(5)));

        Assert.Equal(TimeSpan.FromHours(5), answered.TotalSellerResponseTime);
        Assert.Equal(1, answered.SellerReplyCount);
    }

    [Fact]
    public void Spec3_consecutive_seller_messages_are_not_new_responses()
    {
        var c = Accepted(Say(BuyerOpened(), Seller, T0.AddHours(1)));

        var second = Say(c, Seller, T0.AddHours(2));

        Assert.Null(Assert.IsType<MessageSent>(Assert.Single(second.Events)).SellerResponseTime);
        Assert.Equal(1, Accepted(second).SellerReplyCount);
    }

    [Fact]
    public void Spec3_longest_and_total_response_times_accumulate()
    {
        var c = Accepted(Say(BuyerOpened(), Seller, T0.AddHours(1)));
        c = Accepted(Say(c, Buyer, T0.AddHours(2)));
        c = Accepted(Say(c, Seller, T0.AddHours(6)));

        Assert.Equal(2, c.SellerReplyCount);
        Assert.Equal(TimeSpan.FromHours(5), c.TotalSellerResponseTime);
        Assert.Equal(TimeSpan.FromHours(4), c.MaxSellerResponseTime);
        Assert.Equal(4, c.Version);
        Assert.Equal(4, c.MessageCount);
    }

    [Fact]
    public void Spec3_seller_unresponsive_after_more_than_24h_once_per_wait()
    {
        var c = BuyerOpened();

        Assert.Empty(c.OnTimer(T0.AddHours(24), Policy).Events);
        var mark = c.OnTimer(T0.AddHours(24).AddTicks(1), Policy);
        var marked = Accepted(mark);

        var evt = Assert.IsType<SellerUnresponsiveMarked>(Assert.Single(mark.Events));
        Assert.Equal(T0, evt.QuestionSentAt.ToDateTimeOffset());
        Assert.Equal(1, marked.SellerUnresponsiveCount);
        Assert.Equal(1, evt.Conversation.SellerUnresponsiveCount);
        Assert.Empty(marked.OnTimer(T0.AddDays(10), Policy).Events);
    }

    /// <summary>
    /// The attack: long after an order completed (or was cancelled), the buyer writes on its
    /// conversation and waits for the seller to miss 24 h, to put a seller-unresponsive mark on an
    /// order whose review window has closed. A question asked once the order closed marks nobody;
    /// one asked before it closed still does, and the reply's response time counts either way.
    /// </summary>
    [Fact]
    public void Attack_a_question_asked_after_the_order_closed_marks_nobody()
    {
        var closed = T0.AddDays(-1);
        var after = BuyerOpened();                           // asked at T0, a day after the close
        var passed = after.OnTimer(T0.AddDays(2), Policy, orderClosedAt: closed);

        Assert.Empty(passed.Events);
        Assert.Equal(0, Accepted(passed).SellerUnresponsiveCount);
        Assert.Null(Accepted(passed).UnresponsiveDueAt(Policy));   // the timer is done with it
        var replied = Accepted(Say(Accepted(passed), Seller, T0.AddDays(3)));
        Assert.Equal(1, replied.SellerReplyCount);
        Assert.Equal(TimeSpan.FromDays(3), replied.TotalSellerResponseTime);

        var before = BuyerOpened().OnTimer(T0.AddDays(2), Policy, orderClosedAt: T0.AddHours(2));
        Assert.IsType<SellerUnresponsiveMarked>(Assert.Single(before.Events));
    }

    [Fact]
    public void Spec3_a_new_wait_can_be_marked_again()
    {
        var c = Accepted(BuyerOpened().OnTimer(T0.AddDays(2), Policy));
        c = Accepted(Say(c, Seller, T0.AddDays(2).AddHours(1)));
        c = Accepted(Say(c, Buyer, T0.AddDays(3)));

        var marked = Accepted(c.OnTimer(T0.AddDays(4).AddHours(1), Policy));

        Assert.Equal(2, marked.SellerUnresponsiveCount);
    }

    [Fact]
    public void Spec3_buyer_unresponsive_is_symmetric_at_24h()
    {
        var c = SellerOpened();

        Assert.Empty(c.OnTimer(T0.AddHours(24).AddTicks(-1), Policy).Events);
        var mark = c.OnTimer(T0.AddHours(24), Policy);

        Assert.Equal(1, Accepted(mark).BuyerUnresponsiveCount);
        Assert.IsType<BuyerUnresponsiveMarked>(Assert.Single(mark.Events));
        Assert.Equal(0, Accepted(mark).SellerUnresponsiveCount);
    }

    [Fact]
    public void Spec3_conversations_not_about_an_order_are_never_marked()
    {
        var c = BuyerOpened(orderId: "");

        Assert.False(c.IsAboutOrder);
        Assert.Empty(c.OnTimer(T0.AddDays(30), Policy).Events);
    }

    [Fact]
    public void Spec3_the_unresponsive_window_is_policy()
    {
        var policy = Policy with { UnresponsiveAfter = TimeSpan.FromHours(12) };

        Assert.Single(BuyerOpened().OnTimer(T0.AddHours(13), policy).Events);
    }

    [Fact]
    public void Spec5_6_only_the_conversations_parties_send()
    {
        var c = BuyerOpened();

        Assert.Equal("caller seller s-2 is not a party of conversation conv-1",
            Rejected(Say(c, Actor.Seller("s-2"), T0), RejectionKind.PermissionDenied).Message);
        Assert.Equal("caller support sup-1 is not a party of conversation conv-1",
            Rejected(Say(c, Actor.Support("sup-1"), T0), RejectionKind.PermissionDenied).Message);
        Assert.Equal("caller seller b-1 is not a party of conversation conv-1",
            Rejected(Say(c, Actor.Seller("b-1"), T0), RejectionKind.PermissionDenied).Message);
    }

    [Fact]
    public void Spec5_6_the_conversation_is_read_by_its_parties_support_and_internal_callers()
    {
        var c = BuyerOpened();

        Assert.Null(c.AllowRead(Buyer));
        Assert.Null(c.AllowRead(Seller));
        Assert.Null(c.AllowRead(Actor.Support("sup-1")));
        Assert.Null(c.AllowRead(Actor.Internal("scoring")));
        Assert.Equal(RejectionKind.PermissionDenied, c.AllowRead(Actor.Buyer("b-2"))!.Kind);
    }

    [Fact]
    public void Spec7_empty_messages_and_bad_starts_are_invalid_argument()
    {
        Assert.Equal("text must not be empty (or send an attachment)",
            Rejected(Say(BuyerOpened(), Buyer, T0, "  "), RejectionKind.InvalidArgument).Message);
        Assert.Equal("attachment_refs must not contain empty references",
            Rejected(BuyerOpened().Send(Buyer, "m", "hi", [""], T0), RejectionKind.InvalidArgument).Message);
        Assert.Equal("counterpart_id must not be empty",
            Rejected(Conversation.Start("conv-1", "m", Buyer, "", "", "hi", [], T0), RejectionKind.InvalidArgument).Message);
        Assert.Equal("counterpart_id must name the other party, not the caller",
            Rejected(Conversation.Start("conv-1", "m", Buyer, "b-1", "", "hi", [], T0), RejectionKind.InvalidArgument).Message);
        Assert.StartsWith("only buyers and sellers start conversations",
            Rejected(Conversation.Start("conv-1", "m", Actor.Support("sup"), "b-1", "", "hi", [], T0), RejectionKind.PermissionDenied).Message);
    }

    [Fact]
    public void Spec3_an_attachment_alone_is_a_message()
    {
        Accepted(BuyerOpened().Send(Buyer, "m", "", ["att://2"], T0.AddHours(1)));
    }

    [Fact]
    public void Spec_policy_defaults_and_validation()
    {
        Assert.Empty(Policy.Validate());
        Assert.Equal(TimeSpan.FromDays(90), Policy.ResponseRatePeriod);

        var bad = Policy with { ResponseWindow = TimeSpan.Zero, UnresponsiveAfter = TimeSpan.FromHours(-1) };

        Assert.Equal(["UnresponsiveAfter must be > 0 (was -01:00:00)", "ResponseWindow must be > 0 (was 00:00:00)"], bad.Validate());
    }
}

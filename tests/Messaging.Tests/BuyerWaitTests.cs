using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>
/// SPEC 3 and 5.1: only a seller message that waits for something the running order needs starts
/// a wait on the buyer; the wait ends at the buyer's next message or the order's delivery or close;
/// a marked wait's time is kept on the conversation (it is kept out of the order's lateness).
/// </summary>
public sealed class BuyerWaitTests
{
    [Theory]
    [InlineData(OrderState.Placed, true)]
    [InlineData(OrderState.RequirementsSubmitted, true)]
    [InlineData(OrderState.InProgress, true)]
    [InlineData(OrderState.RevisionRequested, true)]
    [InlineData(OrderState.Delivered, false)]
    [InlineData(OrderState.Completed, false)]
    [InlineData(OrderState.Cancelled, false)]
    [InlineData(OrderState.Unspecified, false)]
    public void Spec3_an_order_runs_before_its_delivery(OrderState state, bool running)
    {
        Assert.Equal(running, OrderWork.IsRunning(state, firstDeliveredAt: null));

        // Back in work after a revision request, it was delivered before: lateness is fixed, it waits on nobody.
        Assert.False(OrderWork.IsRunning(state, firstDeliveredAt: T0));
    }

    [Fact]
    public void Spec3_a_seller_message_on_an_order_that_left_its_work_waits_for_nothing()
    {
        var thanks = Accepted(Say(BuyerOpened(), Seller, T0.AddHours(1), "Thanks, it was a pleasure!", orderRunning: false));

        Assert.Equal(PartyRole.Buyer, thanks.AwaitingReplyFrom);
        Assert.Null(thanks.BuyerWaitSince);
        Assert.Null(thanks.UnresponsiveDueAt(Policy));
        Assert.Empty(thanks.OnTimer(T0.AddDays(30), Policy).Events);
        Assert.Null(SellerOpened(orderRunning: false).BuyerWaitSince);
    }

    /// <summary>The attack: "thanks, starting now" on a running order, then a silent buyer, used to earn a mark.</summary>
    [Fact]
    public void Spec3_a_seller_message_on_a_running_order_that_asks_for_nothing_waits_for_nothing()
    {
        var opened = SellerOpened(asks: false);
        var update = Accepted(Say(opened, Seller, T0.AddHours(1), "Going well, more soon.", asks: false));

        Assert.Null(opened.BuyerWaitSince);
        Assert.Null(update.BuyerWaitSince);
        Assert.Null(update.UnresponsiveDueAt(Policy));
        Assert.Empty(update.OnTimer(T0.AddDays(30), Policy).Events);

        // The same message asking for something the order needs starts the wait.
        Assert.Equal(T0.AddHours(1), Accepted(Say(opened, Seller, T0.AddHours(1), "Which colours?", asks: true)).BuyerWaitSince);
    }

    [Fact]
    public void Spec3_only_the_seller_asks_only_on_an_order_and_only_while_it_runs()
    {
        var buyer = Say(SellerOpened(), Buyer, T0.AddHours(1), "Please answer.", asks: true);
        Assert.Equal("needs_buyer_input: only the seller's messages ask the buyer for input (SPEC 3)", buyer.Rejection!.Message);

        var noOrder = Conversation.Start("conv-2", NextMessageId(), Seller, "b-1", "", "Which colours?", [], T0, orderRunning: true, needsBuyerInput: true);
        Assert.Equal(Marketplace.Domain.RejectionKind.InvalidArgument, noOrder.Rejection!.Kind);

        var delivered = Say(SellerOpened(), Seller, T0.AddHours(1), "Any feedback?", orderRunning: false, asks: true);
        Assert.Equal(Marketplace.Domain.RejectionKind.FailedPrecondition, delivered.Rejection!.Kind);
    }

    [Fact]
    public void Spec3_a_seller_message_without_an_order_waits_for_nothing()
    {
        var c = Accepted(Conversation.Start("conv-1", NextMessageId(), Seller, "b-1", "", "Hello, I saw your request.", [], T0, orderRunning: true));

        Assert.Null(c.BuyerWaitSince);
        Assert.Empty(c.OnTimer(T0.AddDays(30), Policy).Events);
    }

    [Fact]
    public void Spec3_the_buyers_answer_ends_a_marked_wait_and_its_time_is_kept()
    {
        var marked = Accepted(SellerOpened().OnTimer(T0.AddHours(24), Policy));
        Assert.Equal(1, marked.BuyerUnresponsiveCount);

        var answered = Say(marked, Buyer, T0.AddHours(30));

        var c = Accepted(answered);
        Assert.Equal(TimeSpan.FromHours(30), c.BuyerUnresponsiveWait);
        Assert.Null(c.BuyerWaitSince);
        Assert.Equal(TimeSpan.FromHours(30), Assert.IsType<MessageSent>(Assert.Single(answered.Events)).Conversation.BuyerUnresponsiveWait.ToTimeSpan());
    }

    [Fact]
    public void Spec3_an_answer_within_the_window_ends_the_wait_without_time_kept()
    {
        var c = Accepted(Say(SellerOpened(), Buyer, T0.AddHours(5)));

        Assert.Equal(TimeSpan.Zero, c.BuyerUnresponsiveWait);
        Assert.Null(c.BuyerWaitSince);
        Assert.Null(ConversationSnapshot.ToMessage(c).BuyerUnresponsiveWait);
    }

    [Fact]
    public void Spec3_the_delivery_ends_a_marked_wait_at_the_first_delivery_after_its_start()
    {
        var marked = Accepted(SellerOpened().OnTimer(T0.AddHours(24), Policy));

        var ended = marked.OrderLeftWork([T0.AddHours(-5), T0.AddHours(40), T0.AddHours(50)], T0.AddHours(60));

        var c = Accepted(ended);
        Assert.Equal(TimeSpan.FromHours(40), c.BuyerUnresponsiveWait);
        Assert.Null(c.BuyerWaitSince);
        Assert.Equal(marked.Version + 1, c.Version);
        var evt = Assert.IsType<BuyerWaitEnded>(Assert.Single(ended.Events));
        Assert.Equal(T0.AddHours(40), evt.EndedAt.ToDateTimeOffset());
        Assert.Equal(TimeSpan.FromHours(40), evt.Waited.ToTimeSpan());
        Assert.Equal(TimeSpan.FromHours(40), evt.Conversation.BuyerUnresponsiveWait.ToTimeSpan());

        // A later answer adds nothing: the wait is over.
        Assert.Equal(TimeSpan.FromHours(40), Accepted(Say(c, Buyer, T0.AddHours(70))).BuyerUnresponsiveWait);
    }

    [Fact]
    public void Spec3_the_delivery_stops_an_unmarked_wait_quietly_and_no_mark_follows()
    {
        var waiting = SellerOpened();

        var ended = waiting.OrderLeftWork([T0.AddHours(3)], T0.AddHours(3));

        var c = Accepted(ended);
        Assert.Empty(ended.Events);
        Assert.Equal(waiting.Version, c.Version);
        Assert.Null(c.BuyerWaitSince);
        Assert.Empty(c.OnTimer(T0.AddDays(5), Policy).Events);
        var noWait = BuyerOpened();
        var unchanged = noWait.OrderLeftWork([T0.AddHours(1)], T0.AddHours(1));
        Assert.Same(noWait, Accepted(unchanged));
        Assert.Empty(unchanged.Events);
    }

    [Fact]
    public void Spec3_a_wait_the_order_had_already_ended_before_it_started_counts_nothing()
    {
        var marked = Accepted(SellerOpened().OnTimer(T0.AddHours(24), Policy));

        Assert.Equal(TimeSpan.Zero, Accepted(marked.OrderLeftWork([T0.AddHours(-1)], T0.AddHours(26))).BuyerUnresponsiveWait);
        Assert.Equal(TimeSpan.FromHours(26), Accepted(marked.OrderLeftWork([], T0.AddHours(26))).BuyerUnresponsiveWait);
    }

    [Fact]
    public void Spec3_a_seller_request_after_the_buyer_answered_starts_a_new_wait()
    {
        var answered = Accepted(Say(Accepted(Say(BuyerOpened(), Seller, T0.AddHours(1), "Could you send the logo text?")), Buyer, T0.AddHours(2), "Here it is."));
        Assert.Null(answered.BuyerWaitSince);

        var question = Accepted(Say(answered, Seller, T0.AddDays(2), "Which font do you prefer?"));

        Assert.Equal(T0.AddDays(2), question.BuyerWaitSince);
        Assert.Equal(T0.AddDays(2), question.AwaitingSince);
        Assert.Equal(T0.AddDays(3), question.UnresponsiveDueAt(Policy));
        var mark = question.OnTimer(T0.AddDays(3), Policy);
        Assert.Equal(T0.AddDays(2), Assert.IsType<BuyerUnresponsiveMarked>(Assert.Single(mark.Events)).MessageSentAt.ToDateTimeOffset());
    }

    [Fact]
    public void Spec3_consecutive_seller_messages_keep_the_wait_from_the_first()
    {
        var c = Accepted(Say(SellerOpened(), Seller, T0.AddHours(20), "Any news?"));

        Assert.Equal(T0, c.BuyerWaitSince);
        Assert.Single(c.OnTimer(T0.AddHours(24), Policy).Events);
    }
}

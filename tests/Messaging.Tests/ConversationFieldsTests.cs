using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>The flat hash form of a conversation: exact round trip, corrupt data named.</summary>
public sealed class ConversationFieldsTests
{
    [Fact]
    public void Conversations_round_trip_through_every_kind_of_change()
    {
        var c = BuyerOpened();
        var states = new List<Conversation> { c };
        c = Accepted(c.OnTimer(T0.AddDays(2), Policy));
        states.Add(c);
        c = Accepted(Say(c, Seller, T0.AddDays(2).AddHours(1)));
        states.Add(c);
        c = Accepted(c.RequestReview(Seller, "m-rr", "An honest review would help me.",
            new OrderReviewFacts("ord-1", T0.AddDays(2), new ReviewWindow(T0.AddDays(2), T0.AddDays(16), null)), T0.AddDays(3), Policy, Screen));
        states.Add(c);
        states.Add(BuyerOpened(orderId: ""));
        var waiting = SellerOpened();
        states.Add(waiting);
        var marked = Accepted(waiting.OnTimer(T0.AddDays(1), Policy));
        states.Add(marked);
        states.Add(Accepted(marked.OrderLeftWork([T0.AddDays(2)], T0.AddDays(2))));
        states.Add(BuyerOpened(orderId: "") with { FollowUpInquiry = true });

        foreach (var state in states)
        {
            Assert.Equal(state, ConversationFields.FromFields(ConversationFields.ToFields(state).Fields));
        }

        Assert.True(states[1].CurrentWaitMarked);
        Assert.NotNull(states[3].ReviewRequestedAt);
        Assert.Equal(T0, states[5].BuyerWaitSince);
        Assert.Equal(TimeSpan.FromDays(2), states[7].BuyerUnresponsiveWait);
        Assert.Null(states[7].BuyerWaitSince);
        Assert.True(ConversationFields.FromFields(ConversationFields.ToFields(states[8]).Fields).FollowUpInquiry);
        var beforeFollowUps = ConversationFields.ToFields(states[8]).Fields.Where(f => f.Key != "follow_up_inquiry").ToDictionary();
        Assert.False(ConversationFields.FromFields(beforeFollowUps).FollowUpInquiry);
    }

    [Fact]
    public void A_cleared_wait_is_listed_for_deletion_and_hashes_from_before_issue_12_read_as_no_wait()
    {
        var marked = Accepted(SellerOpened().OnTimer(T0.AddDays(1), Policy));
        var ended = Accepted(marked.OrderLeftWork([T0.AddHours(30)], T0.AddHours(30)));

        Assert.DoesNotContain("buyer_wait_since", ConversationFields.Cleared(marked));
        Assert.Contains("buyer_wait_since", ConversationFields.Cleared(ended));

        var old = ConversationFields.ToFields(BuyerOpened()).Fields.ToDictionary();
        old.Remove("buyer_unresponsive_wait_ticks");
        var read = ConversationFields.FromFields(old);
        Assert.Equal(TimeSpan.Zero, read.BuyerUnresponsiveWait);
        Assert.Null(read.BuyerWaitSince);
    }

    [Fact]
    public void Response_facts_round_trip_and_corrupt_ones_are_named()
    {
        var answered = Accepted(Say(BuyerOpened(), Seller, T0.AddHours(3).AddTicks(7)));
        foreach (var c in new[] { BuyerOpened(), answered, SellerOpened() })
        {
            var facts = ResponseFacts.Of(c);
            Assert.Equal(facts, ResponseFactsFields.Parse("conv-1", ResponseFactsFields.Format(facts)));
        }

        var followUp = ResponseFacts.Of(BuyerOpened() with { BuyerId = "buyer with spaces", FollowUpInquiry = true });
        Assert.Equal(followUp, ResponseFactsFields.Parse("conv-1", ResponseFactsFields.Format(followUp)));
        Assert.Equal(new ResponseFacts(new DateTimeOffset(12, TimeSpan.Zero), true, null, 0, TimeSpan.Zero),
            ResponseFactsFields.Parse("conv-1", "12 B - 0 0"));   // stored before follow-ups were told apart

        Assert.Equal("response facts of conversation 'conv-9' have a bad value '12 X - 0 0'",
            Assert.Throws<FormatException>(() => ResponseFactsFields.Parse("conv-9", "12 X - 0 0")).Message);
        Assert.Throws<FormatException>(() => ResponseFactsFields.Parse("conv-9", "12 B - 0 0 Y b-1"));
        Assert.Throws<FormatException>(() => ResponseFactsFields.Parse("conv-9", "12 B - 0 0 F"));
    }

    [Fact]
    public void Missing_and_bad_fields_are_named()
    {
        var fields = ConversationFields.ToFields(BuyerOpened()).Fields.ToDictionary();
        fields.Remove("seller_id");
        Assert.Equal("conversation field 'seller_id' is missing", Assert.Throws<FormatException>(() => ConversationFields.FromFields(fields)).Message);

        fields = ConversationFields.ToFields(BuyerOpened()).Fields.ToDictionary();
        fields["message_count"] = "many";
        Assert.Equal("conversation field 'message_count' has a bad value 'many'", Assert.Throws<FormatException>(() => ConversationFields.FromFields(fields)).Message);
    }
}

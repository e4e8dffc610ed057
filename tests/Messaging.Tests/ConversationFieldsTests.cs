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
        c = Accepted(c.RequestReview(Seller, "m-rr", "An honest review would help me.", new OrderReviewFacts("ord-1", T0.AddDays(2), false, T0.AddDays(16)), T0.AddDays(3), Policy));
        states.Add(c);
        states.Add(BuyerOpened(orderId: ""));

        foreach (var state in states)
        {
            Assert.Equal(state, ConversationFields.FromFields(ConversationFields.ToFields(state).Fields));
        }

        Assert.True(states[1].CurrentWaitMarked);
        Assert.NotNull(states[3].ReviewRequestedAt);
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

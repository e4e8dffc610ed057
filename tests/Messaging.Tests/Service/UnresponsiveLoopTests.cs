using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Xunit;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>A Messaging host whose unresponsive window is one second and whose sweep runs often.</summary>
public sealed class SweepingMessagingFixture : MessagingServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Messaging:UnresponsiveAfterHours"] = (1.0 / 3600).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["Messaging:SweepIntervalMs"] = "100",
    };
}

/// <summary>The sweep marks waits on order conversations once each, through the real schedule and bus.</summary>
public sealed class UnresponsiveSweepTests(SweepingMessagingFixture fx) : IClassFixture<SweepingMessagingFixture>
{
    [Fact]
    public async Task An_unanswered_buyer_question_marks_the_seller_unresponsive_once()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);

        var started = await MessagingClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer)
            .Start(new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Any news?" });
        var events = await fx.EventsAsync(started.ConversationId, 2);

        var marked = SellerUnresponsiveMarked.Parser.ParseJson(events[1].Data);
        Assert.Equal("messaging.seller_unresponsive.v1", events[1].Type);
        Assert.Equal(1, marked.Conversation.SellerUnresponsiveCount);
        Assert.Equal(started.StartedAt, marked.QuestionSentAt);
        Assert.True(marked.MarkedAt.ToDateTimeOffset() - marked.QuestionSentAt.ToDateTimeOffset() > TimeSpan.FromSeconds(1));

        // The mark is on the schedule once: the wait left it, and the answer starts a buyer wait.
        var answer = await MessagingClient.As(fx.Channel, ids.Seller, CallerRole.Seller).Send(started.ConversationId, "m-1", "Tomorrow.");
        Assert.Equal(1, answer.Conversation.SellerUnresponsiveCount);
        var after = await fx.EventsAsync(started.ConversationId, 4);
        Assert.Equal("messaging.buyer_unresponsive.v1", after[3].Type);
        var conversation = await MessagingClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer).Get(started.ConversationId);
        Assert.Equal(1, conversation.SellerUnresponsiveCount);
        Assert.Equal(1, conversation.BuyerUnresponsiveCount);
    }

    [Fact]
    public async Task Conversations_not_about_an_order_are_never_marked()
    {
        var started = await MessagingClient.As(fx.Channel, "buyer-x", CallerRole.Buyer)
            .Start(new StartConversationRequest { RequestId = "c-1", CounterpartId = "seller-x", Text = "Do you do logos?" });
        Assert.Equal(PartyRole.Seller, started.AwaitingReplyFrom);

        Assert.Null(await fx.Db.SortedSetScoreAsync("messaging:{waits}", started.ConversationId));
    }
}

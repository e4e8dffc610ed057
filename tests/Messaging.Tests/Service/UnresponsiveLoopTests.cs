using System.Globalization;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Background;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>A Messaging host whose unresponsive window is one second and whose loop runs often.</summary>
public sealed class SweepingMessagingFixture : MessagingServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        [$"{MessagingOptions.Section}:{nameof(MessagingOptions.UnresponsiveAfterHours)}"] = (1.0 / 3600).ToString("R", CultureInfo.InvariantCulture),
        [$"{MessagingOptions.Section}:{nameof(MessagingOptions.SweepIntervalMs)}"] = "100",
    };
}

/// <summary>The loop marks waits on order conversations once each, through the real schedule and bus.</summary>
public sealed class UnresponsiveLoopTests(SweepingMessagingFixture fx) : IClassFixture<SweepingMessagingFixture>
{
    [Fact]
    public async Task An_unanswered_buyer_question_marks_the_seller_unresponsive_once()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);

        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Any news?" });
        var events = await fx.EventsAsync(started.ConversationId, 2);

        var marked = SellerUnresponsiveMarked.Parser.ParseJson(events[1].Data);
        Assert.Equal(PlatformEvents.TypeOf(SellerUnresponsiveMarked.Descriptor), events[1].Type);
        Assert.Equal(1, marked.Conversation.SellerUnresponsiveCount);
        Assert.Equal(started.StartedAt, marked.QuestionSentAt);
        Assert.True(marked.MarkedAt.ToDateTimeOffset() - marked.QuestionSentAt.ToDateTimeOffset() > TimeSpan.FromSeconds(1));

        // The mark is on the schedule once: the wait left it, and the answer, asking for the buyer's input, starts a buyer wait.
        var answer = await fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-1", "Tomorrow, once you send the logo files.", needsBuyerInput: true);
        Assert.Equal(1, answer.Conversation.SellerUnresponsiveCount);
        Assert.True(answer.Message.NeedsBuyerInput);
        var after = await fx.EventsAsync(started.ConversationId, 4);
        Assert.Equal(PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor), after[3].Type);
        var conversation = await fx.GetAsync(Bearer(ids.Buyer, CallerRole.Buyer), started.ConversationId);
        Assert.Equal(1, conversation.SellerUnresponsiveCount);
        Assert.Equal(1, conversation.BuyerUnresponsiveCount);
    }

    [Fact]
    public async Task Conversations_not_about_an_order_are_never_marked()
    {
        var started = await fx.StartAsync(Bearer("buyer-x", CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", CounterpartId = "seller-x", Text = "Do you do logos?" });
        Assert.Equal(PartyRole.Seller, started.AwaitingReplyFrom);

        Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, started.ConversationId));
    }
}

/// <summary>
/// The loop over a conversation whose stored state is corrupt: that one is retried and then
/// parked for support, and the others due with it are marked. The test drives one instance of
/// the production loop pass by pass on a clock of its own (a day ahead, so the waits are due);
/// the host's own loop, on the real clock, never sees these waits due.
/// </summary>
public sealed class UnresponsiveLoopParkingTests(MessagingServiceFixture fx) : IClassFixture<MessagingServiceFixture>
{
    [Fact]
    public async Task A_conversation_that_keeps_failing_is_parked_while_the_others_are_marked()
    {
        var conversations = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var ids = OrderEvents.NewIds();
            var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
            await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
            var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
                new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Any news?" });
            conversations.Add(started.ConversationId);
        }

        var poisoned = conversations[1];
        var healthy = new[] { conversations[0], conversations[2] };
        await fx.Db.HashSetAsync(MessagingKeys.Conversation(poisoned), "message_count", "many");
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddHours(25));
        using var loop = ActivatorUtilities.CreateInstance<UnresponsiveLoop>(fx.Host.Services, clock);

        await loop.RunOnceAsync(CancellationToken.None);

        foreach (var id in healthy)
        {
            var events = await fx.EventsAsync(id, 2);
            Assert.Equal(PlatformEvents.TypeOf(SellerUnresponsiveMarked.Descriptor), events[1].Type);
            Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, id));
        }

        Assert.NotNull(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, poisoned));
        Assert.False(await fx.Db.HashExistsAsync(MessagingKeys.ParkedWaits, poisoned));

        // Each pass after its retry pause tries it again, until it is parked.
        for (var pass = 0; pass < 20 && await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, poisoned) is not null; pass++)
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            await loop.RunOnceAsync(CancellationToken.None);
        }

        Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, poisoned));
        var parked = (string?)await fx.Db.HashGetAsync(MessagingKeys.ParkedWaits, poisoned);
        Assert.Contains("conversation field 'message_count' has a bad value 'many'", parked, StringComparison.Ordinal);
        Assert.Single(await fx.MessagingEventsAsync(poisoned));
        foreach (var id in healthy)
        {
            Assert.False(await fx.Db.HashExistsAsync(MessagingKeys.ParkedWaits, id));
            Assert.Equal(2, (await fx.MessagingEventsAsync(id)).Count);
        }
    }
}

/// <summary>
/// The attack on a closed order's communication area: after the order completed or was cancelled,
/// the buyer asks on its conversation and waits for the seller to miss 24 h. The production loop,
/// driven a day ahead on a clock of its own, marks the seller only on the order still open.
/// </summary>
public sealed class ClosedOrderQuestionTests(MessagingServiceFixture fx) : IClassFixture<MessagingServiceFixture>
{
    [Fact]
    public async Task Attack_a_question_asked_after_the_order_closed_marks_nobody_while_one_on_an_open_order_does()
    {
        var asked = new Dictionary<string, string>();
        foreach (var kind in new[] { "completed", "cancelled", "open" })
        {
            var ids = OrderEvents.NewIds();
            var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
            await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
            if (kind == "completed")
            {
                var completed = OrderEvents.Completed(placed, TimeSpan.FromHours(1));
                await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
            }
            else if (kind == "cancelled")
            {
                var cancelled = OrderEvents.Cancelled(placed, TimeSpan.FromHours(1));
                await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
            }

            var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
                new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Why did you not answer me?" });
            asked[kind] = started.ConversationId;
        }

        using var loop = ActivatorUtilities.CreateInstance<UnresponsiveLoop>(fx.Host.Services, new ManualClock(DateTimeOffset.UtcNow.AddHours(25)));
        await loop.RunOnceAsync(CancellationToken.None);

        var open = await fx.EventsAsync(asked["open"], 2);
        Assert.Equal(PlatformEvents.TypeOf(SellerUnresponsiveMarked.Descriptor), open[1].Type);
        foreach (var kind in new[] { "completed", "cancelled" })
        {
            var id = asked[kind];
            Assert.Equal([PlatformEvents.TypeOf(ConversationStarted.Descriptor)], (await fx.MessagingEventsAsync(id)).Select(e => e.Type));
            Assert.Equal("0", (string?)await fx.Db.HashGetAsync(MessagingKeys.Conversation(id), "seller_unresponsive_count"));
            Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, id));   // done with, not left due
        }
    }
}

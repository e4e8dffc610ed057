using Grpc.Core;
using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Background;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>
/// Issue 12, hole 2: a seller tries to get the buyer marked unresponsive (which takes the order
/// out of lateness and backs a "buyer unresponsive" cancellation) with messages that wait for
/// nothing the running order needs: a "thanks" after delivery, completion or cancellation, a
/// review request, a conversation started after completion, a question the delivery answered.
/// Each test drives one instance of the production loop a day ahead on a clock of its own (the
/// host's own loop, on the real clock, never sees these waits due) and finds no mark, no event
/// and nothing on the schedule.
/// </summary>
public sealed class BuyerWaitAttackTests(MessagingServiceFixture fx) : IClassFixture<MessagingServiceFixture>
{
    private static readonly string Support = Bearer("sup-1", CallerRole.Support);

    [Theory]
    [InlineData(OrderState.Delivered)]
    [InlineData(OrderState.Completed)]
    [InlineData(OrderState.Cancelled)]
    public async Task A_seller_thanks_after_the_work_ended_and_the_buyer_stays_silent_for_a_day_no_mark(OrderState state)
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Looking forward to the logo!" });
        var (payload, after) = state switch
        {
            OrderState.Delivered => Event(new OrderDelivered { Order = OrderEvents.Delivered(placed, TimeSpan.FromHours(1)) }),
            OrderState.Completed => Event(new OrderCompleted { Order = OrderEvents.Completed(placed, TimeSpan.FromHours(1)) }),
            _ => Event(new OrderCancelled { Order = OrderEvents.Cancelled(placed, TimeSpan.FromHours(1)) }),
        };
        await fx.DeliverAsync(payload, after);

        await fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-1", "Thanks a lot, it was a pleasure working with you!");
        await RunLoopAsync(TimeSpan.FromHours(25));

        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    [Fact]
    public async Task A_review_request_the_buyer_leaves_unanswered_for_a_day_no_mark()
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Looking forward to the logo!" });
        var completed = OrderEvents.Completed(placed, TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var completedAt = completed.CompletedAt.ToDateTimeOffset();
        await fx.PublishAndSettleAsync(ReviewWindows.Opened(ids, completedAt, completedAt.AddDays(14)), ids.Order);

        await fx.Client.SendReviewRequestAsync(
            new SendReviewRequestRequest { RequestId = "rr-1", ConversationId = started.ConversationId, Text = "If you have a moment, an honest review would help me." },
            Authorization(Bearer(ids.Seller, CallerRole.Seller)));
        await RunLoopAsync(TimeSpan.FromHours(25));

        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    [Fact]
    public async Task A_conversation_the_seller_opens_after_completion_no_mark()
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var completed = OrderEvents.Completed(placed, TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);

        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Thanks for your order, enjoy the logo!" });
        await RunLoopAsync(TimeSpan.FromHours(25));

        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    [Fact]
    public async Task A_question_the_delivery_answered_within_the_day_no_mark()
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Which shade of blue do you prefer?", NeedsBuyerInput = true });
        var delivered = OrderEvents.Delivered(placed, TimeSpan.Zero);
        await fx.DeliverAsync(new OrderDelivered { Order = delivered }, delivered);

        await RunLoopAsync(TimeSpan.FromHours(25));

        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    [Fact]
    public async Task A_question_before_delivery_left_unanswered_for_a_day_marks_the_buyer_once()
    {
        var ids = OrderEvents.NewIds();
        await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Please send your brand colours.", NeedsBuyerInput = true });

        await RunLoopAsync(TimeSpan.FromHours(25));
        await RunLoopAsync(TimeSpan.FromHours(49));

        var events = await fx.SettledEventsAsync(started.ConversationId);
        var mark = BuyerUnresponsiveMarked.Parser.ParseJson(Assert.Single(events, e => e.Type == PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor)).Data);
        Assert.Equal(started.StartedAt, mark.MessageSentAt);
        Assert.Equal(1, mark.Conversation.BuyerUnresponsiveCount);
        Assert.Null(mark.Conversation.BuyerUnresponsiveWait); // the wait is still running: it counts once it ends
        Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, started.ConversationId));
    }

    /// <summary>
    /// The attack the request flag closes: any seller message on a running order used to start a wait
    /// on the buyer, so "thanks, starting now" met by a silent buyer earned the seller a mark. A
    /// message that asks for nothing waits on nobody, however long the buyer stays silent.
    /// </summary>
    [Fact]
    public async Task A_seller_message_on_a_running_order_that_asks_for_nothing_and_a_silent_buyer_no_mark()
    {
        var ids = OrderEvents.NewIds();
        await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Thanks for your order, starting now!" });
        var update = await fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-1", "Quick update: going well.");
        Assert.False(update.Message.NeedsBuyerInput);

        await RunLoopAsync(TimeSpan.FromHours(25));
        await RunLoopAsync(TimeSpan.FromHours(49));

        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    /// <summary>
    /// The attack: a seller who delivered late gets a revision request, asks the buyer for input and
    /// meets silence: the wait would be kept out of the order's lateness, which the first delivery
    /// had fixed. Back in work after a delivery, the order waits on nobody: the request is refused.
    /// </summary>
    [Fact]
    public async Task A_request_during_a_revision_after_a_late_delivery_is_refused_and_starts_no_wait()
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Looking forward to the logo!" });
        var revision = OrderEvents.Delivered(placed, TimeSpan.FromHours(2));
        revision.Version = 6;
        revision.State = OrderState.RevisionRequested;
        revision.RevisionCount = 1;
        await fx.DeliverAsync(new RevisionRequested { Order = revision, RevisionNumber = 1 }, revision);
        var before = await fx.GetAsync(Support, started.ConversationId);

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-1", "Which parts should change? I need your answer to go on.", needsBuyerInput: true));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("needs_buyer_input", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.GetAsync(Support, started.ConversationId));

        // Sent as a plain message it answers the buyer and waits on nobody.
        await fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-2", "Which parts should change?");
        await RunLoopAsync(TimeSpan.FromHours(25));
        await AssertBuyerNeverMarkedAsync(started.ConversationId);
    }

    /// <summary>Only the seller asks for input, only on an order's conversation, only while the order runs; a refusal changes nothing.</summary>
    [Fact]
    public async Task Asking_for_the_buyers_input_where_it_cannot_be_asked_is_refused_and_changes_nothing()
    {
        var ids = OrderEvents.NewIds();
        var placed = await PlacedAsync(ids);
        var started = await fx.StartAsync(Bearer(ids.Buyer, CallerRole.Buyer),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Seller, Text = "Hello!" });
        var before = await fx.GetAsync(Support, started.ConversationId);

        var byBuyer = await Assert.ThrowsAsync<RpcException>(() =>
            fx.SendAsync(Bearer(ids.Buyer, CallerRole.Buyer), started.ConversationId, "m-1", "Please answer.", needsBuyerInput: true));
        Assert.Equal(StatusCode.InvalidArgument, byBuyer.StatusCode);
        Assert.StartsWith("needs_buyer_input: only the seller's messages", byBuyer.Status.Detail, StringComparison.Ordinal);

        var noOrder = await Assert.ThrowsAsync<RpcException>(() => fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-2", CounterpartId = ids.Buyer, Text = "Which colours?", NeedsBuyerInput = true }));
        Assert.Equal(StatusCode.InvalidArgument, noOrder.StatusCode);
        Assert.Contains("needs_buyer_input", noOrder.Status.Detail, StringComparison.Ordinal);

        var delivered = OrderEvents.Delivered(placed, TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderDelivered { Order = delivered }, delivered);
        var afterDelivery = await Assert.ThrowsAsync<RpcException>(() =>
            fx.SendAsync(Bearer(ids.Seller, CallerRole.Seller), started.ConversationId, "m-2", "Any feedback?", needsBuyerInput: true));
        Assert.Equal(StatusCode.FailedPrecondition, afterDelivery.StatusCode);
        Assert.Contains($"order {ids.Order} is not running before its delivery", afterDelivery.Status.Detail, StringComparison.Ordinal);

        Assert.Equal(before, await fx.GetAsync(Support, started.ConversationId));
    }

    private static (IMessage, Order) Event(IMessage payload) => (payload, (Order)payload.Descriptor.FindFieldByName("order").Accessor.GetValue(payload));

    private async Task<Order> PlacedAsync((string Order, string Buyer, string Seller) ids)
    {
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        return placed;
    }

    /// <summary>One pass of the production loop, <paramref name="ahead"/> of the real clock.</summary>
    private async Task RunLoopAsync(TimeSpan ahead)
    {
        using var loop = ActivatorUtilities.CreateInstance<UnresponsiveLoop>(fx.Host.Services, new ManualClock(DateTimeOffset.UtcNow + ahead));
        await loop.RunOnceAsync(CancellationToken.None);
    }

    private async Task AssertBuyerNeverMarkedAsync(string conversationId)
    {
        var events = await fx.SettledEventsAsync(conversationId);
        Assert.DoesNotContain(events, e => e.Type == PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor));
        Assert.Null(await fx.Db.SortedSetScoreAsync(MessagingKeys.Waits, conversationId));
        var conversation = await fx.GetAsync(Support, conversationId);
        Assert.Equal(0, conversation.BuyerUnresponsiveCount);
        Assert.Null(conversation.BuyerUnresponsiveWait);
    }
}

/// <summary>
/// Issue 12, hole 2: the time a seller waited on an unresponsive buyer is measured on the
/// conversation (it is kept out of the order's lateness), from the seller's message to the
/// buyer's next message or the order's delivery, whichever comes first. One-second window.
/// </summary>
public sealed class BuyerWaitMeasureTests(SweepingMessagingFixture fx) : IClassFixture<SweepingMessagingFixture>
{
    [Fact]
    public async Task A_silent_buyer_is_marked_and_the_wait_runs_to_the_buyers_answer()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Please send your brand colours.", NeedsBuyerInput = true });
        var events = await fx.EventsAsync(started.ConversationId, 2);
        Assert.Equal(PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor), events[1].Type);

        var answer = await fx.SendAsync(Bearer(ids.Buyer, CallerRole.Buyer), started.ConversationId, "m-1", "Sorry, navy and white.");

        var waited = answer.Message.SentAt.ToDateTimeOffset() - started.StartedAt.ToDateTimeOffset();
        Assert.Equal(waited, answer.Conversation.BuyerUnresponsiveWait.ToTimeSpan());
        var sent = MessageSent.Parser.ParseJson((await fx.EventsAsync(started.ConversationId, 3))[2].Data);
        Assert.Equal(waited, sent.Conversation.BuyerUnresponsiveWait.ToTimeSpan());
    }

    [Fact]
    public async Task A_delivery_ends_a_marked_wait_and_the_wait_runs_to_the_delivery()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        var started = await fx.StartAsync(Bearer(ids.Seller, CallerRole.Seller),
            new StartConversationRequest { RequestId = "c-1", OrderId = ids.Order, CounterpartId = ids.Buyer, Text = "Please send your brand colours.", NeedsBuyerInput = true });
        await fx.EventsAsync(started.ConversationId, 2);

        var delivered = OrderEvents.Delivered(placed, TimeSpan.Zero);
        await fx.DeliverAsync(new OrderDelivered { Order = delivered }, delivered);

        var waited = delivered.LastDeliveredAt.ToDateTimeOffset() - started.StartedAt.ToDateTimeOffset();
        var support = Bearer("sup-1", CallerRole.Support);
        await Wait.UntilAsync(async () => (await fx.GetAsync(support, started.ConversationId)).BuyerUnresponsiveWait is not null, "the wait ended with the delivery");
        Assert.Equal(waited, (await fx.GetAsync(support, started.ConversationId)).BuyerUnresponsiveWait.ToTimeSpan());
        var ended = BuyerWaitEnded.Parser.ParseJson((await fx.EventsAsync(started.ConversationId, 3))[2].Data);
        Assert.Equal(waited, ended.Waited.ToTimeSpan());
        Assert.Equal(delivered.LastDeliveredAt, ended.EndedAt);
        Assert.Equal(waited, ended.Conversation.BuyerUnresponsiveWait.ToTimeSpan());

        // The buyer's later answer is not part of it: the delivery ended the wait.
        var answer = await fx.SendAsync(Bearer(ids.Buyer, CallerRole.Buyer), started.ConversationId, "m-1", "Thanks, looks great.");
        Assert.Equal(waited, answer.Conversation.BuyerUnresponsiveWait.ToTimeSpan());
        Assert.Equal(1, answer.Conversation.BuyerUnresponsiveCount);
    }
}

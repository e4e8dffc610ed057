using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Store;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Platform.Tests;

/// <summary>
/// Issue 12, hole 2, across Orders and Messaging: the order's real events decide which seller
/// messages wait on the buyer. A question while the order runs marks a silent buyer; the real
/// delivery ends the wait and its time is published on the conversation; a thanks after the
/// completion waits for nothing. Messaging's unresponsive window is one second here.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class BuyerWaitAcrossServicesTests(RedisFixture redis)
{
    [Fact]
    public async Task Only_a_question_while_the_order_runs_marks_a_silent_buyer_and_the_delivery_ends_the_wait()
    {
        await redis.FlushAsync();
        await using var orders = await Services.OrdersAsync(redis.ConnectionString);
        await using var messaging = await Services.MessagingAsync(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Messaging:UnresponsiveAfterHours"] = (1.0 / 3600).ToString("R", CultureInfo.InvariantCulture),
            ["Messaging:SweepIntervalMs"] = "100",
        });
        var db = redis.Server.Admin.GetDatabase();
        var ordersClient = orders.Client<OrdersService.OrdersServiceClient>();
        var messagingClient = messaging.Client<MessagingService.MessagingServiceClient>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var buyer = Authorization(Bearer("buyer-" + tag, CallerRole.Buyer));
        var seller = Authorization(Bearer("seller-" + tag, CallerRole.Seller));

        var order = await ordersClient.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place",
            GigId = "gig-" + tag,
            SellerId = "seller-" + tag,
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
        }, buyer);
        await Wait.UntilAsync(async () => await db.HashExistsAsync(MessagingKeys.Order(order.OrderId), "version"), "Messaging knows the order");

        // A question while the order runs, left unanswered: the buyer is marked.
        var started = await messagingClient.StartConversationAsync(new StartConversationRequest
        {
            RequestId = "c-1", OrderId = order.OrderId, CounterpartId = "buyer-" + tag, Text = "Please send your brand colours.", NeedsBuyerInput = true,
        }, seller);
        await Wait.UntilAsync(async () => (await EventsAsync(db, started.ConversationId)).Contains(PlatformEvents.TypeOf(BuyerUnresponsiveMarked.Descriptor)),
            "the silent buyer is marked");

        // The seller delivers without the answer: the delivery ends the wait.
        await ordersClient.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = "req", OrderId = order.OrderId, Requirements = "Navy, please." }, buyer);
        await ordersClient.StartWorkAsync(new StartWorkRequest { RequestId = "start", OrderId = order.OrderId }, seller);
        var delivered = await ordersClient.DeliverOrderAsync(new DeliverOrderRequest { RequestId = "deliver", OrderId = order.OrderId, Message = "Here it is." }, seller);
        await Wait.UntilAsync(async () => (await EventsAsync(db, started.ConversationId)).Contains(PlatformEvents.TypeOf(BuyerWaitEnded.Descriptor)),
            "the delivery ended the wait");
        var conversation = await messagingClient.GetConversationAsync(new GetConversationRequest { ConversationId = started.ConversationId }, seller);
        Assert.Equal(delivered.FirstDeliveredAt.ToDateTimeOffset() - started.StartedAt.ToDateTimeOffset(), conversation.BuyerUnresponsiveWait.ToTimeSpan());
        Assert.Equal(1, conversation.BuyerUnresponsiveCount);

        // The buyer's later message adds nothing: the delivery had ended the wait.
        var question = await messagingClient.SendMessageAsync(new SendMessageRequest
        {
            RequestId = "m-1", ConversationId = started.ConversationId, Text = "Looks good! Can I get the SVG too?",
        }, buyer);
        Assert.Equal(conversation.BuyerUnresponsiveWait, question.Conversation.BuyerUnresponsiveWait);

        // After the completion, the seller's thanks waits for nothing: nothing is scheduled to mark the buyer.
        await ordersClient.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = "accept", OrderId = order.OrderId }, buyer);
        await Wait.UntilAsync(async () => (int)await db.HashGetAsync(MessagingKeys.Order(order.OrderId), "state") == (int)OrderState.Completed, "Messaging knows the completion");
        var thanks = await messagingClient.SendMessageAsync(new SendMessageRequest
        {
            RequestId = "m-2", ConversationId = started.ConversationId, Text = "Attached. Thanks a lot, enjoy the logo!",
        }, seller);
        Assert.Equal(PartyRole.Buyer, thanks.Conversation.AwaitingReplyFrom);
        Assert.Null(await db.SortedSetScoreAsync(MessagingKeys.Waits, started.ConversationId));
        Assert.Equal(1, thanks.Conversation.BuyerUnresponsiveCount);
        Assert.Equal(conversation.BuyerUnresponsiveWait, thanks.Conversation.BuyerUnresponsiveWait);
    }

    private static async Task<IReadOnlyList<string>> EventsAsync(StackExchange.Redis.IDatabase db, string conversationId) =>
        (await TopicHistory.ReadAsync(db, PlatformEvents.Topics.Messaging)).Where(e => e.Event.Subject == conversationId).Select(e => e.Event.Type).ToList();
}

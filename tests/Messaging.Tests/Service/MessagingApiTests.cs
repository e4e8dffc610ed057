using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>The flows of MessagingApi against the running service: real Redis, real bus, real HTTP/2, the typed client.</summary>
[Collection(MessagingServiceCollection.Name)]
public sealed class MessagingApiTests(MessagingServiceFixture fx)
{
    [Fact]
    public async Task The_seller_answer_to_a_buyer_message_records_the_response_time_and_publishes_it()
    {
        var o = await OrderAsync();
        var buyer = Bearer(o.Buyer, CallerRole.Buyer);
        var seller = Bearer(o.Seller, CallerRole.Seller);

        var started = await fx.StartAsync(buyer, new StartConversationRequest { RequestId = "c-1", OrderId = o.Order, CounterpartId = o.Seller, Text = "Can you use blue?" });
        Assert.Equal(o.Order, started.OrderId);
        Assert.Equal(o.Buyer, started.BuyerId);
        Assert.Equal(o.Seller, started.SellerId);
        Assert.Equal(PartyRole.Buyer, started.OpenedBy);
        Assert.Equal(PartyRole.Seller, started.AwaitingReplyFrom);

        var answer = await fx.SendAsync(seller, started.ConversationId, "m-1", "Yes, of course.");
        var followUp = await fx.SendAsync(seller, started.ConversationId, "m-2", "Anything else?");

        Assert.Equal(PartyRole.Seller, answer.Message.SenderRole);
        Assert.Equal(1, answer.Conversation.SellerReplyCount);
        Assert.Equal(answer.Message.SentAt.ToDateTimeOffset() - started.StartedAt.ToDateTimeOffset(),
            answer.Conversation.TotalSellerResponseTime.ToTimeSpan());
        Assert.Equal(1, followUp.Conversation.SellerReplyCount);
        Assert.Equal(PartyRole.Buyer, followUp.Conversation.AwaitingReplyFrom);

        var events = await fx.EventsAsync(started.ConversationId, 3);
        Assert.Equal([Type(ConversationStarted.Descriptor), Type(MessageSent.Descriptor), Type(MessageSent.Descriptor)], events.Select(e => e.Type));
        var sent = MessageSent.Parser.ParseJson(events[1].Data);
        Assert.Equal(answer.Conversation.TotalSellerResponseTime, sent.SellerResponseTime);
        Assert.Null(MessageSent.Parser.ParseJson(events[2].Data).SellerResponseTime);

        var read = await fx.GetAsync(Bearer("sup-1", CallerRole.Support), started.ConversationId);
        Assert.Equal(followUp.Conversation, read);
        var stats = await fx.Client.GetResponseStatsAsync(new GetResponseStatsRequest { SellerId = o.Seller }, Authorization(Bearer("anyone", CallerRole.Buyer))).ResponseAsync;
        Assert.Equal(1, stats.BuyerOpenedConversations);
        Assert.Equal(1.0, stats.ResponseRate);
    }

    [Fact]
    public async Task A_repeated_request_returns_the_first_answer_and_changes_nothing()
    {
        var (o, conversation) = await ConversationAsync();
        var seller = Bearer(o.Seller, CallerRole.Seller);
        var first = await fx.SendAsync(seller, conversation, "m-1", "Yes, of course.");
        await fx.EventsAsync(conversation, 2);
        var before = await fx.StateAsync(o.Order, conversation);

        var again = await fx.SendAsync(seller, conversation, "m-1", "Yes, of course.");

        Assert.Equal(first, again);
        Assert.Equal(before, await fx.StateAsync(o.Order, conversation));
        Assert.Equal(2, (await fx.MessagingEventsAsync(conversation)).Count);
    }

    /// <summary>
    /// Before the shared command runner, a reused request id silently returned the first answer
    /// whatever the request said; now the request's digest is kept with the answer, so every command
    /// refuses a request id reused for a different request with ALREADY_EXISTS naming it.
    /// </summary>
    [Fact]
    public async Task A_request_id_reused_for_a_different_request_is_already_exists_on_every_command_and_changes_nothing()
    {
        var o = await OrderAsync();
        var buyer = Bearer(o.Buyer, CallerRole.Buyer);
        var seller = Bearer(o.Seller, CallerRole.Seller);
        var start = new StartConversationRequest { RequestId = "c-1", OrderId = o.Order, CounterpartId = o.Seller, Text = "Can you use blue?" };
        var started = await fx.StartAsync(buyer, start);
        Assert.Equal(started, await fx.StartAsync(buyer, start));
        var conversation = started.ConversationId;
        await fx.SendAsync(seller, conversation, "m-1", "Yes, of course.");
        var completed = OrderEvents.Completed(OrderEvents.Placed(o.Order, o.Buyer, o.Seller), TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        await OpenWindowAsync(o, completed);
        var ask = new SendReviewRequestRequest { RequestId = "rr-1", ConversationId = conversation, Text = "Would you share your experience?" };
        var requested = await AskAsync(seller, ask);
        Assert.Equal(requested, await AskAsync(seller, ask));

        await AssertRefusedAsync(StatusCode.AlreadyExists, "request_id 'c-1' was already used for a different request", o.Order, conversation,
            () => fx.StartAsync(buyer, new StartConversationRequest(start) { Text = "Can you use red?" }));
        await AssertRefusedAsync(StatusCode.AlreadyExists, "request_id 'm-1' was already used for a different request", o.Order, conversation,
            () => fx.SendAsync(seller, conversation, "m-1", "No, sorry."));
        await AssertRefusedAsync(StatusCode.AlreadyExists, "request_id 'rr-1' was already used for a different request", o.Order, conversation,
            () => AskAsync(seller, new SendReviewRequestRequest(ask) { Text = "A short review would help me." }));
        Assert.Equal(3, (await fx.MessagingEventsAsync(conversation)).Count);
    }

    [Fact]
    public async Task Messages_are_listed_oldest_first_in_pages()
    {
        var (o, conversation) = await ConversationAsync();
        var seller = Bearer(o.Seller, CallerRole.Seller);
        await fx.SendAsync(seller, conversation, "m-1", "second");
        await fx.SendAsync(seller, conversation, "m-2", "third");
        var buyer = Bearer(o.Buyer, CallerRole.Buyer);

        var page1 = await fx.Client.ListMessagesAsync(new ListMessagesRequest { ConversationId = conversation, PageSize = 2 }, Authorization(buyer)).ResponseAsync;
        var page2 = await fx.Client.ListMessagesAsync(new ListMessagesRequest { ConversationId = conversation, PageSize = 2, PageToken = page1.NextPageToken }, Authorization(buyer)).ResponseAsync;

        Assert.Equal(["Can you use blue?", "second"], page1.Messages.Select(m => m.Text));
        Assert.Equal(["third"], page2.Messages.Select(m => m.Text));
        Assert.Equal("", page2.NextPageToken);
        var stranger = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Client.ListMessagesAsync(new ListMessagesRequest { ConversationId = conversation }, Authorization(Bearer("someone", CallerRole.Buyer))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
    }

    [Fact]
    public async Task Bad_input_on_start_gets_the_status_naming_the_field_or_rule_and_changes_nothing()
    {
        var o = await OrderAsync();
        var buyer = Bearer(o.Buyer, CallerRole.Buyer);
        StartConversationRequest Start(string requestId = "c-1", string? orderId = null, string? counterpart = null, string text = "Hello there") =>
            new() { RequestId = requestId, OrderId = orderId ?? o.Order, CounterpartId = counterpart ?? o.Seller, Text = text };

        await AssertRefusedAsync(StatusCode.InvalidArgument, "request_id", o.Order, "", () => fx.StartAsync(buyer, Start(requestId: "")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "text", o.Order, "", () => fx.StartAsync(buyer, Start(text: "  ")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "counterpart_id", o.Order, "", () => fx.StartAsync(buyer, Start(counterpart: "someone-else")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "counterpart_id must be at most 128 characters", o.Order, "",
            () => fx.StartAsync(buyer, Start(counterpart: new string('s', 129))));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id must not contain control characters", o.Order, "",
            () => fx.StartAsync(buyer, Start(orderId: o.Order + "\n")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer or the seller of order ord-unknown", o.Order, "",
            () => fx.StartAsync(buyer, Start(orderId: "ord-unknown")));
        await AssertRefusedAsync(StatusCode.Unauthenticated, "", o.Order, "", () => fx.StartAsync(null, Start()));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer or the seller", o.Order, "",
            () => fx.StartAsync(Bearer("another-buyer", CallerRole.Buyer), Start()));

        var existing = await fx.StartAsync(buyer, Start());
        await AssertRefusedAsync(StatusCode.AlreadyExists, existing.ConversationId, o.Order, existing.ConversationId,
            () => fx.StartAsync(Bearer(o.Seller, CallerRole.Seller), Start(counterpart: o.Buyer)));
    }

    [Fact]
    public async Task Bad_input_on_send_gets_the_status_naming_the_field_or_rule_and_changes_nothing()
    {
        var (o, conversation) = await ConversationAsync();
        var seller = Bearer(o.Seller, CallerRole.Seller);

        await AssertRefusedAsync(StatusCode.InvalidArgument, "request_id", o.Order, conversation, () => fx.SendAsync(seller, conversation, "", "Hello"));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "conversation_id", o.Order, conversation, () => fx.SendAsync(seller, "", "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "text", o.Order, conversation, () => fx.SendAsync(seller, conversation, "m-1", ""));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "is not a party of conversation conv-unknown", o.Order, conversation,
            () => fx.SendAsync(seller, "conv-unknown", "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "conversation_id must be at most 128 characters", o.Order, conversation,
            () => fx.SendAsync(seller, new string('c', 129), "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.Unauthenticated, "", o.Order, conversation,
            () => fx.SendAsync(null, conversation, "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "is not a party", o.Order, conversation,
            () => fx.SendAsync(Bearer("another-seller", CallerRole.Seller), conversation, "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "is not a party", o.Order, conversation,
            () => fx.SendAsync(Bearer("sup-1", CallerRole.Support), conversation, "m-1", "Hello"));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "is not a party of conversation conv-unknown", o.Order, conversation,
            () => fx.GetAsync(seller, "conv-unknown"));
        await AssertRefusedAsync(StatusCode.NotFound, "conversation conv-unknown does not exist", o.Order, conversation,
            () => fx.GetAsync(Bearer("sup-1", CallerRole.Support), "conv-unknown"));
    }

    [Fact]
    public async Task The_seller_requests_one_review_of_a_completed_order_within_the_rules()
    {
        var (o, conversation) = await ConversationAsync();
        var seller = Bearer(o.Seller, CallerRole.Seller);
        SendReviewRequestRequest Ask(string requestId, string text = "Thanks for your order! Would you share your experience?") =>
            new() { RequestId = requestId, ConversationId = conversation, Text = text };

        await AssertRefusedAsync(StatusCode.FailedPrecondition, "is not completed", o.Order, conversation, () => AskAsync(seller, Ask("rr-1")));
        var completed = OrderEvents.Completed(OrderEvents.Placed(o.Order, o.Buyer, o.Seller), TimeSpan.FromHours(1));
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "has no open review window", o.Order, conversation, () => AskAsync(seller, Ask("rr-1")));
        await OpenWindowAsync(o, completed);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "must not offer anything", o.Order, conversation,
            () => AskAsync(seller, Ask("rr-1", "A review gets you a discount on the next order.")));
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "must not ask for a particular rating", o.Order, conversation,
            () => AskAsync(seller, Ask("rr-1", "Please leave a 5 star review!")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the seller", o.Order, conversation,
            () => AskAsync(Bearer(o.Buyer, CallerRole.Buyer), Ask("rr-1")));

        var requested = await AskAsync(seller, Ask("rr-1"));

        Assert.NotNull(requested.Conversation.ReviewRequestedAt);
        Assert.Equal(Type(ReviewRequested.Descriptor), (await fx.EventsAsync(conversation, 2))[1].Type);
        await AssertRefusedAsync(StatusCode.AlreadyExists, "one per order", o.Order, conversation, () => AskAsync(seller, Ask("rr-2")));
    }

    /// <summary>Reviews opens the buyer's 14-day review window at the completion.</summary>
    private Task OpenWindowAsync((string Order, string Buyer, string Seller) o, Order completed) =>
        fx.PublishAndSettleAsync(ReviewWindows.Opened(o, completed.CompletedAt.ToDateTimeOffset(), completed.CompletedAt.ToDateTimeOffset().AddDays(14)), o.Order);

    private static string Type(Google.Protobuf.Reflection.MessageDescriptor payload) => PlatformEvents.TypeOf(payload);

    private Task<SendMessageResponse> AskAsync(string bearer, SendReviewRequestRequest request) =>
        fx.Client.SendReviewRequestAsync(request, Authorization(bearer)).ResponseAsync;

    private async Task<(string Order, string Buyer, string Seller)> OrderAsync()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Buyer, ids.Seller);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        return ids;
    }

    private async Task<((string Order, string Buyer, string Seller) Ids, string ConversationId)> ConversationAsync()
    {
        var o = await OrderAsync();
        var started = await fx.StartAsync(Bearer(o.Buyer, CallerRole.Buyer), new StartConversationRequest { RequestId = "c-1", OrderId = o.Order, CounterpartId = o.Seller, Text = "Can you use blue?" });
        return (o, started.ConversationId);
    }

    private async Task AssertRefusedAsync(StatusCode code, string fragment, string orderId, string conversationId, Func<Task> call)
    {
        var before = await fx.StateAsync(orderId, conversationId);
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, refused.StatusCode);
        Assert.Contains(fragment, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.StateAsync(orderId, conversationId));
    }
}

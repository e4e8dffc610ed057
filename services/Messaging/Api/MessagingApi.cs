using System.Globalization;
using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Conversation = Marketplace.Messaging.Domain.Conversation;
using ConversationMessage = Marketplace.Contracts.Messaging.V1.Conversation;

namespace Marketplace.Messaging.Api;

/// <summary>
/// marketplace.messaging.v1.MessagingService. Every call is authenticated from its token; every
/// command runs in one unit of work keyed <c>request:&lt;caller&gt;:&lt;request_id&gt;</c> (a repeat
/// returns the first answer), lets the domain decide, and commits the conversation, its
/// messages, its events and its wait schedule together. A refusal writes nothing.
/// </summary>
public sealed class MessagingApi(
    CallerAuthenticator authenticator, UnitOfWorkExecutor executor, ConversationStore store, MessagingPolicyOptions options, TimeProvider clock)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public async Task<ConversationMessage> StartConversation(StartConversationRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        Require("request_id", request.RequestId);
        return await RunAsync(caller, request.RequestId, ConversationMessage.Parser, async work =>
        {
            var conversationId = "conv-" + Guid.NewGuid().ToString("N");
            var actor = request.OrderId.Length == 0
                ? Actors.For(caller, caller.Subject, caller.Subject)
                : await OrderActorAsync(work, caller, request.OrderId, request.CounterpartId);
            var decision = Conversation.Start(conversationId, ConversationStore.MessageId(conversationId, 1), actor, request.CounterpartId,
                request.OrderId, request.Text, request.AttachmentRefs, clock.GetUtcNow());
            var started = decision.OrThrow();
            if (request.OrderId.Length > 0)
            {
                work.HashSet(MessagingKeys.Order(request.OrderId), OrderPartiesFields.ConversationId, conversationId);
            }

            store.Write(work, started, decision.Events);
            return ConversationSnapshot.ToMessage(started);
        }, context);
    }

    public async Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        Require("request_id", request.RequestId);
        Require("conversation_id", request.ConversationId);
        return await RunAsync(caller, request.RequestId, SendMessageResponse.Parser, async work =>
        {
            var conversation = await ConversationStore.ReadAsync(work, request.ConversationId) ?? throw UnknownConversation(request.ConversationId);
            var actor = Actors.For(caller, conversation.BuyerId, conversation.SellerId);
            var messageId = ConversationStore.MessageId(conversation.ConversationId, conversation.MessageCount + 1);
            var decision = conversation.Send(actor, messageId, request.Text, request.AttachmentRefs, clock.GetUtcNow());
            var next = decision.OrThrow();
            store.Write(work, next, decision.Events);
            var sent = (MessageSent)decision.Events[0];
            return new SendMessageResponse { Conversation = sent.Conversation, Message = sent.Message };
        }, context);
    }

    public async Task<ConversationMessage> GetConversation(GetConversationRequest request, ServerCallContext context) =>
        ConversationSnapshot.ToMessage(await ReadableAsync(await authenticator.AuthenticateAsync(context), request.ConversationId));

    public async Task<ResponseStats> GetResponseStats(GetResponseStatsRequest request, ServerCallContext context)
    {
        await authenticator.AuthenticateAsync(context);
        Require("seller_id", request.SellerId);
        var asOf = request.AsOf?.ToDateTimeOffset() ?? clock.GetUtcNow();
        var conversations = await store.GetSellerConversationsAsync(request.SellerId, asOf - options.Policy.ResponseRatePeriod, asOf);
        return ResponseRate.Compute(request.SellerId, conversations, asOf, options.Policy);
    }

    public async Task<ListMessagesResponse> ListMessages(ListMessagesRequest request, ServerCallContext context)
    {
        var conversation = await ReadableAsync(await authenticator.AuthenticateAsync(context), request.ConversationId);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Invalid($"page_size must be 0-{MaxPageSize} (was {request.PageSize})"),
            _ => request.PageSize,
        };
        var first = 1;
        if (request.PageToken.Length > 0
            && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out first) || first < 1))
        {
            throw Invalid("page_token is not a token returned by ListMessages");
        }

        var count = Math.Max(0, Math.Min(pageSize, conversation.MessageCount - first + 1));
        var response = new ListMessagesResponse
        {
            NextPageToken = first + count <= conversation.MessageCount ? (first + count).ToString(CultureInfo.InvariantCulture) : "",
        };
        response.Messages.AddRange(await store.GetMessagesAsync(conversation.ConversationId, first, count));
        return response;
    }

    public async Task<SendMessageResponse> SendReviewRequest(SendReviewRequestRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        Require("request_id", request.RequestId);
        Require("conversation_id", request.ConversationId);
        return await RunAsync(caller, request.RequestId, SendMessageResponse.Parser, async work =>
        {
            var conversation = await ConversationStore.ReadAsync(work, request.ConversationId) ?? throw UnknownConversation(request.ConversationId);
            var actor = Actors.For(caller, conversation.BuyerId, conversation.SellerId);
            var order = conversation.IsAboutOrder ? await ConversationStore.ReadOrderAsync(work, conversation.OrderId) : null;
            var facts = new OrderReviewFacts(
                order?.OrderId ?? "",
                order?.CompletedAt,
                order?.BuyerReviewed ?? false,
                order?.ReviewWindowEndsAt ?? order?.CompletedAt + options.ReviewWindow);
            var messageId = ConversationStore.MessageId(conversation.ConversationId, conversation.MessageCount + 1);
            var decision = conversation.RequestReview(actor, messageId, request.Text, facts, clock.GetUtcNow(), options.Policy);
            var next = decision.OrThrow();
            store.Write(work, next, decision.Events);
            var requested = (ReviewRequested)decision.Events[0];
            return new SendMessageResponse { Conversation = requested.Conversation, Message = requested.Message };
        }, context);
    }

    /// <summary>
    /// The party role of the caller on an order conversation: only the order's buyer or seller, and
    /// the counterpart must be the order's other party.
    /// </summary>
    private static async Task<Actor> OrderActorAsync(UnitOfWork work, Caller caller, string orderId, string counterpartId)
    {
        var order = await ConversationStore.ReadOrderAsync(work, orderId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"order {orderId} is not known to Messaging (no event of this order has been received yet)"));
        var actor = Actors.For(caller, order.BuyerId, order.SellerId);
        var other = actor switch
        {
            { Role: PartyRole.Buyer } when actor.Id == order.BuyerId => order.SellerId,
            { Role: PartyRole.Seller } when actor.Id == order.SellerId => order.BuyerId,
            _ => throw Rejection.PermissionDenied($"only the buyer or the seller of order {orderId} may start its conversation; caller is {caller}").ToRpcException(),
        };
        if (!string.IsNullOrEmpty(counterpartId) && counterpartId != other)
        {
            throw Invalid($"counterpart_id must be the other party of order {orderId} ({other})");
        }

        if (order.ConversationId.Length > 0)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"order {orderId} already has conversation {order.ConversationId}"));
        }

        return actor;
    }

    private async Task<Conversation> ReadableAsync(Caller caller, string conversationId)
    {
        Require("conversation_id", conversationId);
        var conversation = await store.GetAsync(conversationId) ?? throw UnknownConversation(conversationId);
        if (conversation.AllowRead(Actors.For(caller, conversation.BuyerId, conversation.SellerId)) is { } refused)
        {
            throw refused.ToRpcException();
        }

        return conversation;
    }

    /// <summary>Runs a command once per caller and request id; a repeat returns the stored first answer.</summary>
    private async Task<TResponse> RunAsync<TResponse>(
        Caller caller, string requestId, MessageParser<TResponse> parser, Func<UnitOfWork, Task<TResponse>> command, ServerCallContext context)
        where TResponse : IMessage<TResponse>
    {
        var outcome = await executor.ExecuteAsync($"request:{caller.Subject}:{requestId}", async (work, _) =>
            work.SetResult((await command(work)).ToByteArray()), context.CancellationToken);
        return parser.ParseFrom((byte[])outcome.Result!);
    }

    private static void Require(string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} must not be empty");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RpcException UnknownConversation(string conversationId) =>
        new(new Status(StatusCode.NotFound, $"conversation {conversationId} does not exist"));
}

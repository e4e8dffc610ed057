using Google.Protobuf;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Options;
using Conversation = Marketplace.Messaging.Domain.Conversation;
using ConversationMessage = Marketplace.Contracts.Messaging.V1.Conversation;

namespace Marketplace.Messaging.Api;

/// <summary>
/// Runs the state-changing Messaging commands (StartConversation, SendMessage, SendReviewRequest)
/// through the platform's <see cref="IdempotentCommands"/>: in one unit of work keyed by the caller
/// and request id, it reads the conversation (and the order it is about), decides the acting party,
/// lets the domain decide, and commits the conversation, its messages, its events, its wait
/// schedule, the seller's response statistics (and their event when they moved) and the response
/// together. A refused command throws before anything is staged, so it
/// changes nothing; a repeated request returns the stored response, and a request id reused for a
/// different request is ALREADY_EXISTS.
/// </summary>
public sealed class ConversationCommands(
    IdempotentCommands commands, ConversationStore store, ResponseStatsStore stats, ReviewRequestScreen screen, IOptions<MessagingOptions> options, TimeProvider clock)
{
    private MessagingOptions Options => options.Value;

    /// <summary>
    /// StartConversation: between the caller and the counterpart, or on an order between its two
    /// parties (one conversation per order). The conversation id is generated once per request.
    /// </summary>
    public Task<ConversationMessage> StartAsync(ServerCallContext context, StartConversationRequest request)
    {
        RequestFields.Id("counterpart_id", request.CounterpartId);
        bool aboutOrder = request.OrderId.Length > 0;
        if (aboutOrder)
        {
            RequestFields.Id("order_id", request.OrderId);
        }

        return commands.RunAsync(context, request.RequestId, request, ConversationMessage.Parser, async (work, caller) =>
        {
            var conversationId = NewConversationId();
            var (actor, order) = aboutOrder
                ? await OrderPartyAsync(work, caller, request.OrderId, request.CounterpartId)
                : (ActingParty.On(caller, caller.Subject, caller.Subject), null);
            var now = clock.GetUtcNow();
            var decision = Conversation.Start(conversationId, ConversationStore.MessageId(conversationId, 1), actor, request.CounterpartId,
                request.OrderId, request.Text, request.AttachmentRefs, now, orderRunning: order?.Running ?? false, needsBuyerInput: request.NeedsBuyerInput);
            var started = decision.OrThrow();
            if (aboutOrder)
            {
                work.HashSet(MessagingKeys.Order(request.OrderId), OrderPartiesFields.ConversationId, conversationId);
            }

            if (ResponseFacts.Of(started).Counts)
            {
                started = await stats.StageOpenedAsync(work, started, now);
            }

            store.Write(work, started, decision.Events);

            return ConversationSnapshot.ToMessage(started);
        });
    }

    /// <summary>
    /// SendMessage: a party of the conversation sends a message; a seller message asking for the
    /// buyer's input waits on the buyer, if the conversation's order runs before its delivery.
    /// </summary>
    public Task<SendMessageResponse> SendAsync(ServerCallContext context, SendMessageRequest request) =>
        RunAsync(context, request.RequestId, request.ConversationId, request, async (work, conversation, actor, messageId, now) =>
        {
            var order = conversation.IsAboutOrder ? await ConversationStore.ReadOrderAsync(work, conversation.OrderId) : null;
            return conversation.Send(actor, messageId, request.Text, request.AttachmentRefs, now, orderRunning: order?.Running ?? false, needsBuyerInput: request.NeedsBuyerInput);
        });

    /// <summary>SendReviewRequest: the seller asks for a review of the conversation's completed order.</summary>
    public Task<SendMessageResponse> RequestReviewAsync(ServerCallContext context, SendReviewRequestRequest request) =>
        RunAsync(context, request.RequestId, request.ConversationId, request, async (work, conversation, actor, messageId, now) =>
        {
            var order = conversation.IsAboutOrder ? await ConversationStore.ReadOrderAsync(work, conversation.OrderId) : null;
            var facts = new OrderReviewFacts(order?.OrderId ?? "", order?.CompletedAt, order?.Window ?? ReviewWindow.Unknown);
            return conversation.RequestReview(actor, messageId, request.Text, facts, now, Options.Policy, screen);
        });

    /// <summary>The refusal of a command or read naming a conversation that does not exist.</summary>
    public static Rejection UnknownConversation(string conversationId) =>
        Rejection.NotFound($"conversation {RequestFields.Shown(conversationId)} does not exist");

    /// <summary>Conversation ids: "conv-" and a version 7 (time-ordered) UUID in hex.</summary>
    public static string NewConversationId() => "conv-" + Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// A command on an existing conversation that adds its next message: <paramref name="decide"/>
    /// gets the conversation, the caller's acting party on it, the new message's id and the time.
    /// </summary>
    private Task<SendMessageResponse> RunAsync(
        ServerCallContext context,
        string requestId,
        string conversationId,
        IMessage request,
        Func<UnitOfWork, Conversation, Actor, string, DateTimeOffset, Task<Decision<Conversation>>> decide)
    {
        RequestFields.Id("conversation_id", conversationId);
        return commands.RunAsync(context, requestId, request, SendMessageResponse.Parser, async (work, caller) =>
        {
            var now = clock.GetUtcNow();
            var conversation = await ConversationStore.ReadAsync(work, conversationId);
            if (conversation is null)
            {
                // Permission before existence (issue 16): the command is put to the domain on a
                // conversation of nobody's; its refusal there, in the words a non-party of a real
                // one gets, is the answer, and only a caller it lets through learns it does not exist.
                var nobodys = Conversation.OfNobody(conversationId);
                var refused = (await decide(work, nobodys, ActingParty.On(caller, nobodys.BuyerId, nobodys.SellerId), "", now)).Rejection;
                throw (refused is { Kind: RejectionKind.PermissionDenied } ? refused : UnknownConversation(conversationId)).ToException();
            }

            var actor = ActingParty.On(caller, conversation.BuyerId, conversation.SellerId);
            var messageId = ConversationStore.MessageId(conversation.ConversationId, conversation.MessageCount + 1);
            var decision = await decide(work, conversation, actor, messageId, now);
            var next = decision.OrThrow();
            store.Write(work, next, decision.Events);
            if (ResponseFacts.Of(next) != ResponseFacts.Of(conversation))
            {
                await stats.StageAsync(work, next.SellerId, next, now);
            }

            return new SendMessageResponse
            {
                Conversation = ConversationSnapshot.ToMessage(next),
                Message = ConversationStore.MessageOf(decision.Events[0]),
            };
        });
    }

    /// <summary>
    /// The party role of the caller on an order conversation: only the order's buyer or seller, the
    /// counterpart must be the order's other party, and the order must not have its conversation yet.
    /// Permission before existence (issue 16): an order Messaging has not heard of (none exists, or
    /// its events have not arrived yet) has no parties here, so every caller is refused as a
    /// non-party of a known order is, in the same words.
    /// </summary>
    private static async Task<(Actor, OrderParties?)> OrderPartyAsync(UnitOfWork work, Caller caller, string orderId, string counterpartId)
    {
        var shown = RequestFields.Shown(orderId);
        var order = await ConversationStore.ReadOrderAsync(work, orderId);
        var actor = ActingParty.On(caller, order?.BuyerId ?? "", order?.SellerId ?? "");
        if (order is null || actor.Role is not (PartyRole.Buyer or PartyRole.Seller))
        {
            throw Rejection.PermissionDenied(
                $"only the buyer or the seller of order {shown}, as Messaging knows it from the order's events, may start its conversation; caller is {caller}").ToException();
        }

        var other = actor.Role == PartyRole.Buyer ? order.SellerId : order.BuyerId;
        if (counterpartId != other)
        {
            throw Rejection.InvalidArgument($"counterpart_id must be the other party of order {shown} ({other})").ToException();
        }

        if (order.ConversationId.Length > 0)
        {
            throw Rejection.AlreadyExists($"order {shown} already has conversation {order.ConversationId}").ToException();
        }

        return (actor, order);
    }
}

using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging.Domain;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Marketplace.Platform.Grpc;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Conversation = Marketplace.Messaging.Domain.Conversation;
using ConversationMessage = Marketplace.Contracts.Messaging.V1.Conversation;

namespace Marketplace.Messaging.Api;

/// <summary>
/// marketplace.messaging.v1.MessagingService. Every RPC needs an authenticated caller (authorization
/// runs before the method: UNAUTHENTICATED); which party may do what is the domain's rule, from the
/// caller's acting party on the conversation. Each command goes to <see cref="ConversationCommands"/>
/// (idempotent unit of work), reads go to the store. Refusals are thrown as domain rejections and
/// become statuses in the platform's interceptor.
/// </summary>
[Authorize]
public sealed class MessagingApi(ConversationCommands commands, ConversationStore store, IOptions<MessagingOptions> options, TimeProvider clock)
    : MessagingService.MessagingServiceBase
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;
    private const long MaxTimestampSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    public override Task<ConversationMessage> StartConversation(StartConversationRequest request, ServerCallContext context) =>
        commands.StartAsync(context, request);

    public override Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context) =>
        commands.SendAsync(context, request);

    public override Task<SendMessageResponse> SendReviewRequest(SendReviewRequestRequest request, ServerCallContext context) =>
        commands.RequestReviewAsync(context, request);

    public override async Task<ConversationMessage> GetConversation(GetConversationRequest request, ServerCallContext context) =>
        ConversationSnapshot.ToMessage(await ReadableAsync(context.Caller(), request.ConversationId));

    /// <summary>
    /// Any authenticated caller: the response rate is public on the marketplace. The same
    /// computation (<see cref="ResponseRate"/>) as the published messaging.response_stats_changed.v1,
    /// over the seller's conversations started in the period up to <c>as_of</c> (now when absent).
    /// </summary>
    public override async Task<ResponseStats> GetResponseStats(GetResponseStatsRequest request, ServerCallContext context)
    {
        RequestFields.Id("seller_id", request.SellerId);
        var policy = options.Value.Policy;
        var asOf = request.AsOf is { } at ? AsOf(at) : clock.GetUtcNow();
        var conversations = await store.GetSellerConversationsAsync(request.SellerId, asOf - policy.ResponseRatePeriod, asOf);
        return ResponseRate.Compute(request.SellerId, conversations, asOf, policy);
    }

    /// <summary>
    /// The evaluation time a client asked for, when the period before it can be computed: from the
    /// Unix epoch to the last valid protobuf Timestamp (9999-12-31T23:59:59.999999999Z).
    /// </summary>
    private static DateTimeOffset AsOf(Timestamp at)
    {
        if (at.Nanos is < 0 or > 999_999_999 || at.Seconds < 0 || at.Seconds > MaxTimestampSeconds)
        {
            throw Rejection.InvalidArgument(
                $"as_of must be a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z (was seconds={at.Seconds}, nanos={at.Nanos})").ToException();
        }

        return at.ToDateTimeOffset();
    }

    /// <summary>Messages oldest first; page_token is the sequence number of the next message.</summary>
    public override async Task<ListMessagesResponse> ListMessages(ListMessagesRequest request, ServerCallContext context)
    {
        var conversation = await ReadableAsync(context.Caller(), request.ConversationId);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Rejection.InvalidArgument($"page_size must be 0-{MaxPageSize} (was {request.PageSize})").ToException(),
            _ => request.PageSize,
        };
        var first = 1;
        if (request.PageToken.Length > 0
            && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out first) || first < 1))
        {
            throw Rejection.InvalidArgument("page_token is not a token returned by ListMessages").ToException();
        }

        var count = Math.Max(0, Math.Min(pageSize, conversation.MessageCount - first + 1));
        var response = new ListMessagesResponse
        {
            NextPageToken = first + count <= conversation.MessageCount ? (first + count).ToString(CultureInfo.InvariantCulture) : "",
        };
        response.Messages.AddRange(await store.GetMessagesAsync(conversation.ConversationId, first, count));
        return response;
    }

    /// <summary>
    /// The conversation, when the caller may read it (its parties, support, internal callers).
    /// Permission before existence (issue 16): an unknown id is refused as a conversation of nobody's,
    /// and only a caller the rule lets through learns that it does not exist.
    /// </summary>
    private async Task<Conversation> ReadableAsync(Caller caller, string conversationId)
    {
        RequestFields.Id("conversation_id", conversationId);
        var conversation = await store.GetAsync(conversationId);
        var readable = conversation ?? Conversation.OfNobody(conversationId);
        if (readable.AllowRead(ActingParty.On(caller, readable.BuyerId, readable.SellerId)) is { } refused)
        {
            throw refused.ToException();
        }

        return conversation ?? throw ConversationCommands.UnknownConversation(conversationId).ToException();
    }
}

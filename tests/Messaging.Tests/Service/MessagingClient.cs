using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Testing;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>Calls marketplace.messaging.v1.MessagingService over real HTTP/2 as one caller (or none).</summary>
public sealed class MessagingClient(GrpcChannel channel, string? bearer)
{
    private static readonly ServiceDescriptor Service = MessagingServiceReflection.Descriptor.Services[0];

    public static MessagingClient As(GrpcChannel channel, string subject, params CallerRole[] roles) =>
        new(channel, TestIdentity.Bearer(subject, roles));

    public static MessagingClient Anonymous(GrpcChannel channel) => new(channel, null);

    public Task<Conversation> Start(StartConversationRequest r) => Call<StartConversationRequest, Conversation>("StartConversation", r);

    public Task<SendMessageResponse> Send(SendMessageRequest r) => Call<SendMessageRequest, SendMessageResponse>("SendMessage", r);

    public Task<SendMessageResponse> Send(string conversationId, string requestId, string text) =>
        Send(new SendMessageRequest { ConversationId = conversationId, RequestId = requestId, Text = text });

    public Task<Conversation> Get(string conversationId) =>
        Call<GetConversationRequest, Conversation>("GetConversation", new GetConversationRequest { ConversationId = conversationId });

    public Task<ResponseStats> Stats(string sellerId) =>
        Call<GetResponseStatsRequest, ResponseStats>("GetResponseStats", new GetResponseStatsRequest { SellerId = sellerId });

    public Task<ListMessagesResponse> List(ListMessagesRequest r) => Call<ListMessagesRequest, ListMessagesResponse>("ListMessages", r);

    public Task<SendMessageResponse> RequestReview(SendReviewRequestRequest r) => Call<SendReviewRequestRequest, SendMessageResponse>("SendReviewRequest", r);

    private async Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>, new()
    {
        return await channel.CallAsync<TRequest, TResponse>(Service.FindMethodByName(method), request, bearer);
    }
}

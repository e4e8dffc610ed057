using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Messaging;
using Marketplace.Messaging.Api;
using Marketplace.Orders;
using Marketplace.Orders.Api;
using Marketplace.Reviews;
using Marketplace.Reviews.Api;
using Marketplace.Scoring;
using Marketplace.Scoring.Api;
using Microsoft.AspNetCore.Builder;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>
/// One platform service as these tests start and call it: its parts as its Program.cs adds
/// them, its gRPC API, and a read for an id nobody has (<see cref="ProbeRead"/>), which reaches
/// the handler and ends NOT_FOUND: the well-formed request the malformed ones are variations of.
/// </summary>
public sealed record PlatformService(
    string Name,
    string AppId,
    ServiceDescriptor Descriptor,
    Action<WebApplicationBuilder> AddParts,
    Action<WebApplication> MapApi,
    IMessage ProbeRead)
{
    /// <summary>The RPC that takes <see cref="ProbeRead"/>, found by its request type.</summary>
    public MethodDescriptor ProbeMethod => Descriptor.Methods.Single(m => m.InputType == ProbeRead.Descriptor);

    /// <summary>The HTTP/2 <c>:path</c> of <see cref="ProbeMethod"/>.</summary>
    public string ProbePath => $"/{Descriptor.FullName}/{ProbeMethod.Name}";

    /// <summary>The .proto file that declares the service, as reflection names it.</summary>
    public string ProtoFile => Descriptor.File.Name;

    public override string ToString() => Name;
}

/// <summary>The services under test.</summary>
public static class PlatformServices
{
    public const string UnknownId = "inconnu-é-✓-0001";

    public static readonly PlatformService Orders = new(
        "orders",
        "orders",
        OrdersService.Descriptor,
        builder => builder.AddOrders(),
        app => app.MapGrpcService<OrdersApi>(),
        new GetOrderRequest { OrderId = UnknownId });

    public static readonly PlatformService Reviews = new(
        "reviews",
        "reviews",
        ReviewsService.Descriptor,
        builder => builder.AddReviews(),
        app => app.MapGrpcService<ReviewsApi>(),
        new GetReviewRequest { OrderId = UnknownId });

    public static readonly PlatformService Messaging = new(
        "messaging",
        "messaging",
        MessagingService.Descriptor,
        builder => builder.AddMessaging(),
        app => app.MapGrpcService<MessagingApi>(),
        new GetConversationRequest { ConversationId = UnknownId });

    public static readonly PlatformService Scoring = new(
        "scoring",
        "scoring",
        ScoringService.Descriptor,
        builder => builder.AddScoring(),
        app => app.MapGrpcService<ScoringApi>(),
        new GetGigScoreRequest { GigId = UnknownId });

    public static readonly IReadOnlyList<PlatformService> All = [Orders, Reviews, Messaging, Scoring];

    public static PlatformService Named(string name) => All.Single(s => s.Name == name);

    /// <summary>xunit data: every service's name.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var service in All)
            {
                data.Add(service.Name);
            }

            return data;
        }
    }
}

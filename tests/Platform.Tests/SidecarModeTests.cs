using System.Text;
using Dapr.Client;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Marketplace.Testing.Dapr;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests;

/// <summary>
/// Orders and Scoring in sidecar mode (<c>EventBus:Transport=Dapr</c>): Orders' outbox publishes
/// through the Dapr SDK (gRPC <c>PublishEvent</c>) to a stand-in sidecar, which delivers to
/// Scoring's <c>/dapr/subscribe</c> routes as daprd does. A poison event is answered DROP and ends
/// in Scoring's dead-letter topic.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SidecarModeTests(RedisFixture redis)
{
    private static readonly Dictionary<string, string?> Dapr = new() { ["EventBus:Transport"] = "Dapr" };

    [Fact]
    public async Task An_order_published_through_the_sdk_reaches_Scorings_route_and_a_poison_event_is_dead_lettered()
    {
        await redis.FlushAsync();
        await using var sidecar = await DaprSidecarStandIn.StartAsync(new DaprSidecarOptions { Redis = redis.ConnectionString });
        var settings = new Dictionary<string, string?>(Dapr);
        foreach (var (key, value) in sidecar.AppSettings)
        {
            settings[key] = value;
        }

        await using var scoring = await Services.ScoringAsync(redis.ConnectionString, settings);
        await sidecar.AttachAppAsync(scoring.HttpAddress);
        await using var orders = await Services.OrdersAsync(redis.ConnectionString, settings);
        var scores = scoring.Client<ScoringService.ScoringServiceClient>();
        var internalCaller = Authorization(TestIdentity.Bearer("ranking", CallerRole.Internal));
        string gig = "gig-" + Guid.NewGuid().ToString("N")[..8];

        var before = await Assert.ThrowsAsync<RpcException>(async () => await scores.GetGigScoreAsync(new GetGigScoreRequest { GigId = gig }, internalCaller));
        Assert.Equal(StatusCode.NotFound, before.StatusCode);

        var order = await CompleteOrderAsync(orders.Client<OrdersService.OrdersServiceClient>(), gig);
        var expected = PlatformEvents.TypeOf(OrderCompleted.Descriptor);
        await sidecar.WaitUntilAsync(s => s.Deliveries.Any(d => d.AppStatus == "SUCCESS" && d.EventId == CompletedEventId(s, expected)), "the completion was delivered to Scoring");

        var after = await scores.GetGigScoreAsync(new GetGigScoreRequest { GigId = gig }, internalCaller);
        Assert.Equal(order.SellerId, after.SellerId);
        Assert.Equal(1, after.ScoredOrders);
        Assert.All(sidecar.Published, p => Assert.Equal("application/cloudevents+json", p.DataContentType));
        Assert.Contains(sidecar.Deliveries, d => d.Topic == PlatformEvents.Topics.Orders && d.Path.EndsWith(PlatformEvents.Topics.Orders, StringComparison.Ordinal));

        // A poison event: an orders.order_completed.v1 whose payload has no order snapshot.
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();
        string poisonId = "poison-" + Guid.NewGuid().ToString("N");
        var poison = "{\"specversion\":\"1.0\",\"id\":\"" + poisonId + "\",\"source\":\"orders\",\"type\":\"" + expected
            + "\",\"topic\":\"orders\",\"pubsubname\":\"pubsub\",\"datacontenttype\":\"application/json\",\"time\":\"2026-12-01T00:00:00Z\",\"data\":{}}";
        await dapr.PublishByteEventAsync("pubsub", PlatformEvents.Topics.Orders, Encoding.UTF8.GetBytes(poison), "application/cloudevents+json");
        await sidecar.WaitUntilAsync(s => s.DeadLetters.Any(d => d.EventId == poisonId), "the poison event was dead-lettered");

        var dead = Assert.Single(sidecar.DeadLetters, d => d.EventId == poisonId);
        Assert.Equal(Names.DeadLetterTopic("scoring"), dead.DeadLetterTopic);
        Assert.Contains(sidecar.Deliveries, d => d.EventId == poisonId && d.AppStatus == "DROP");
        var deadLetterTopic = await TopicHistory.ReadAsync(redis.Server.Admin.GetDatabase(), Names.DeadLetterTopic("scoring"));
        Assert.Contains(deadLetterTopic, e => e.Event.Id == poisonId);
        var unchanged = await scores.GetGigScoreAsync(new GetGigScoreRequest { GigId = gig }, internalCaller);
        Assert.Equal(1, unchanged.ScoredOrders);
    }

    private static string? CompletedEventId(DaprSidecarStandIn sidecar, string type) =>
        sidecar.Published
            .Select(p => CloudEvent.Parse(p.Data))
            .FirstOrDefault(e => e.Type == type)?.Id;

    private static async Task<Order> CompleteOrderAsync(OrdersService.OrdersServiceClient client, string gig)
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var buyer = Authorization(TestIdentity.Bearer("buyer-" + suffix, CallerRole.Buyer));
        var seller = Authorization(TestIdentity.Bearer("seller-" + suffix, CallerRole.Seller));
        string Id() => Guid.NewGuid().ToString("N");
        var order = await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = Id(),
            GigId = gig,
            SellerId = "seller-" + suffix,
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
        }, buyer);
        await client.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = Id(), OrderId = order.OrderId, Requirements = "a logo" }, buyer);
        await client.StartWorkAsync(new StartWorkRequest { RequestId = Id(), OrderId = order.OrderId }, seller);
        await client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = Id(), OrderId = order.OrderId }, seller);
        return await client.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = Id(), OrderId = order.OrderId }, buyer);
    }
}

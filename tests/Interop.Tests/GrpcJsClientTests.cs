using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Interop.Tests;

/// <summary>
/// An independent client, @grpc/grpc-js with the contracts loaded from protos/ by proto-loader
/// (tests/interop/client.js), calls every service: unary calls with a bearer token that succeed
/// (a command and a read), a call without a token (UNAUTHENTICATED), a caller who is not a party
/// (PERMISSION_DENIED), an id nobody has asked by an internal caller (NOT_FOUND, the message naming
/// it, non-ASCII included, as percent-encoded UTF-8), and a deadline that runs out while Redis stalls (DEADLINE_EXCEEDED,
/// with the server having seen the deadline and cancelled the call).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class GrpcJsClientTests(PlatformFixture platform)
{
    public static TheoryData<string> Services => PlatformServices.Names;

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Calls_with_a_bearer_token_succeed_and_refusals_carry_their_status_and_message(string name)
    {
        var service = PlatformServices.Named(name);
        var parties = new JsParties(name);
        var context = await ContextAsync(service, parties, "calls");

        var results = await NodeScripts.RunAsync("client.js", context);
        JsCall Step(string step) => new(results.GetProperty(step));

        AssertSucceeded(service, parties, Step("call"), Step("followUp"));
        AssertRefused(Step("noToken"), StatusCode.Unauthenticated, "missing 'authorization' metadata");
        AssertRefused(Step("stranger"), StatusCode.PermissionDenied, parties.StrangerId);
        AssertRefused(Step("unknown"), StatusCode.NotFound, PlatformServices.UnknownId);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_deadline_that_runs_out_while_Redis_stalls_is_DEADLINE_EXCEEDED_and_the_server_saw_it(string name)
    {
        var service = PlatformServices.Named(name);
        var parties = new JsParties(name);
        string tag = $"deadline-{name}-{Guid.NewGuid():N}";
        var context = await ContextAsync(service, parties, "deadline", tag);
        var started = DateTime.UtcNow;

        JsCall outcome;
        platform.Redis.Freeze();
        try
        {
            outcome = new JsCall((await NodeScripts.RunAsync("client.js", context)).GetProperty("deadline"));
        }
        finally
        {
            platform.Redis.Thaw();
        }

        Assert.True(outcome.Code == (int)StatusCode.DeadlineExceeded, outcome.ToString());
        var seen = await platform.Probe(name).CallAsync(tag).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal($"/{service.Descriptor.FullName}/{service.ProbeMethod.Name}", seen.Method);
        // The server took its deadline from the grpc-timeout grpc-js sent (none would be MaxValue),
        // and enforced it: the call's cancellation token fired.
        Assert.True(seen.Deadline > started && seen.Deadline != DateTime.MaxValue, $"deadline {seen.Deadline:O} is not the grpc-timeout grpc-js sent after {started:O}");
        await seen.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var health = await platform.Health(name).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    /// <summary>What the script needs: the port, the contract, tokens and ids.</summary>
    private async Task<object> ContextAsync(PlatformService service, JsParties parties, string phase, string probe = "")
    {
        string orderId = "";
        if (service != PlatformServices.Orders && phase == "calls")
        {
            orderId = await CompletedOrderAsync(parties, service);
        }

        return new
        {
            service = service.Name,
            phase,
            port = platform[service.Name].GrpcPort,
            protoFile = service.ProtoFile,
            serviceName = service.Descriptor.FullName,
            tokens = new
            {
                buyer = TestIdentity.Bearer(parties.BuyerId, CallerRole.Buyer),
                seller = TestIdentity.Bearer(parties.SellerId, CallerRole.Seller),
                stranger = TestIdentity.Bearer(parties.StrangerId, CallerRole.Buyer, CallerRole.Seller),
                @internal = TestIdentity.Bearer("js-internal", CallerRole.Internal),
            },
            buyerId = parties.BuyerId,
            sellerId = parties.SellerId,
            gigId = parties.GigId,
            orderId,
            unknownId = PlatformServices.UnknownId,
            probe,
            deadlineMs = 1000,
        };
    }

    /// <summary>
    /// An order between the parties, driven to completed through Orders with the typed client;
    /// returns once <paramref name="consumer"/> has handled every order event published so far.
    /// </summary>
    private async Task<string> CompletedOrderAsync(JsParties parties, PlatformService consumer)
    {
        var orders = platform[PlatformServices.Orders.Name].Client<OrdersService.OrdersServiceClient>();
        var buyer = Authorization(TestIdentity.Bearer(parties.BuyerId, CallerRole.Buyer));
        var seller = Authorization(TestIdentity.Bearer(parties.SellerId, CallerRole.Seller));
        var order = await orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = Guid.NewGuid().ToString("N"),
            GigId = parties.GigId,
            SellerId = parties.SellerId,
            Category = "graphics-design",
            Amount = new Contracts.Common.V1.Money { CurrencyCode = "USD", AmountMinor = 4_500 },
            DueAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(7)),
            RevisionsIncluded = 1,
        }, buyer);
        string id = order.OrderId;
        await orders.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = Guid.NewGuid().ToString("N"), OrderId = id, Requirements = "a logo" }, buyer);
        await orders.StartWorkAsync(new StartWorkRequest { RequestId = Guid.NewGuid().ToString("N"), OrderId = id }, seller);
        await orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = Guid.NewGuid().ToString("N"), OrderId = id }, seller);
        await orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = Guid.NewGuid().ToString("N"), OrderId = id }, buyer);
        await platform.ConsumedAsync(Platform.PlatformEvents.Topics.Orders, consumer.AppId);
        return id;
    }

    private static void AssertSucceeded(PlatformService service, JsParties parties, JsCall call, JsCall followUp)
    {
        Assert.True(call.Code == 0, $"call: {call}");
        Assert.True(followUp.Code == 0, $"followUp: {followUp}");
        switch (service.Name)
        {
            case "orders":
                Assert.Equal("ORDER_STATE_PLACED", call.Field("state"));
                Assert.Equal(parties.BuyerId, call.Field("buyerId"));
                Assert.Equal("4500", call.Field("amount", "amountMinor"));
                Assert.Equal(call.Field("orderId"), followUp.Field("orderId"));
                Assert.Equal(parties.SellerId, followUp.Field("sellerId"));
                break;
            case "messaging":
                Assert.Equal(parties.SellerId, call.Field("sellerId"));
                Assert.Equal(call.Field("conversationId"), followUp.Field("conversation", "conversationId"));
                Assert.Equal("Sure, send me the details.", followUp.Field("message", "text"));
                break;
            case "reviews":
                Assert.Equal("Schnell geliefert – sehr zufrieden ✓", call.Field("text"));
                Assert.Equal("5", call.Field("ratings", "overall"));
                Assert.Equal(call.Field("orderId"), followUp.Field("orderId"));
                break;
            case "scoring":
                Assert.Equal(parties.GigId, call.Field("gigId"));
                Assert.Equal(parties.SellerId, call.Field("sellerId"));
                Assert.Equal(parties.SellerId, followUp.Field("sellerId"));
                break;
            default:
                Assert.Fail($"no expectations for {service.Name}");
                break;
        }
    }

    private static void AssertRefused(JsCall outcome, StatusCode expected, string messagePart)
    {
        Assert.True(outcome.Code == (int)expected, $"expected {expected}: {outcome}");
        Assert.True(outcome.Details.Contains(messagePart, StringComparison.Ordinal), $"'{outcome.Details}' does not name '{messagePart}'");
    }
}

/// <summary>The parties of one test: fresh ids, so tests never see each other's data.</summary>
public sealed class JsParties(string service)
{
    private readonly string _suffix = $"{service}-{Guid.NewGuid().ToString("N")[..8]}";

    public string BuyerId => "js-buyer-" + _suffix;

    public string SellerId => "js-seller-" + _suffix;

    public string StrangerId => "js-stranger-" + _suffix;

    public string GigId => "js-gig-" + _suffix;
}

using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Marketplace.Clients;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scenario;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.EndToEnd.Tests;

/// <summary>The platform as processes after the scenario ran, shared by the tests of this class.</summary>
public sealed class ScenarioPlatformFixture : IAsyncLifetime
{
    public Platform Platform { get; private set; } = null!;

    public PlatformClient Client { get; private set; } = null!;

    public WalkingSkeleton Scenario { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Platform = await Platform.StartAsync();
        Client = Platform.Client();
        Scenario = new WalkingSkeleton(Client, "bad");
        await Scenario.RunAsync();
        await Platform.CaughtUpAsync();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Platform.DisposeAsync();
    }
}

/// <summary>
/// Against the running processes: bad input on the walking skeleton's RPCs gets the right status
/// and a message naming the field or rule and changes nothing (SPEC 7); reflection answers on
/// every service as grpcurl needs it.
/// </summary>
public sealed class RunningPlatformTests(ScenarioPlatformFixture fixture) : IClassFixture<ScenarioPlatformFixture>
{
    private PlatformClient Client => fixture.Client;

    [Fact]
    public async Task Bad_input_on_each_first_flow_rpc_is_refused_with_its_status_and_changes_nothing()
    {
        var reviewed = Order(s => s is { Story: OrderStory.OnTime, Stars: 5, Chat: true });
        var reviewedId = fixture.Scenario.OrderIds[reviewed];
        var conversationId = fixture.Scenario.ConversationIds[reviewed];
        var buyer = Client.Bearer(reviewed.BuyerId, CallerRole.Buyer);
        var seller = Client.Bearer(reviewed.SellerId, CallerRole.Seller);
        var stranger = Client.Bearer("someone-else", CallerRole.Buyer);
        var placed = await Client.Orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "bad-placed",
            GigId = reviewed.GigId,
            SellerId = reviewed.SellerId,
            Category = reviewed.Category,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 },
            DueAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(3)),
        }, As(buyer));
        await fixture.Platform.CaughtUpAsync();

        var cases = new (string What, Func<Task> Call, StatusCode Status, string Message)[]
        {
            ("rating out of range", () => Client.Reviews.SubmitBuyerReviewAsync(
                new SubmitBuyerReviewRequest { RequestId = "bad-1", OrderId = reviewedId, Ratings = Ratings(6), Text = "Six stars, if I could." }, As(buyer)).ResponseAsync,
                StatusCode.InvalidArgument, "ratings.overall must be 1-5"),
            ("unknown order, as a buyer (permission before existence)", () => Client.Orders.AcceptDeliveryAsync(
                new AcceptDeliveryRequest { RequestId = "bad-2", OrderId = "no-such-order" }, As(buyer)).ResponseAsync,
                StatusCode.PermissionDenied, "no-such-order"),
            ("unknown order, as support", () => Client.Orders.GetOrderAsync(
                new GetOrderRequest { OrderId = "no-such-order" }, As(Client.Bearer("support-1", CallerRole.Support))).ResponseAsync,
                StatusCode.NotFound, "no-such-order"),
            ("wrong state", () => Client.Orders.DeliverOrderAsync(
                new DeliverOrderRequest { RequestId = "bad-3", OrderId = placed.OrderId, Message = "Too early." }, As(seller)).ResponseAsync,
                StatusCode.FailedPrecondition, "'placed'"),
            ("duplicate review", () => Client.Reviews.SubmitBuyerReviewAsync(
                new SubmitBuyerReviewRequest { RequestId = "bad-4", OrderId = reviewedId, Ratings = Ratings(1), Text = "Changed my mind entirely." }, As(buyer)).ResponseAsync,
                StatusCode.AlreadyExists, "already"),
            ("missing token on Orders", () => Client.Orders.GetOrderAsync(
                new GetOrderRequest { OrderId = reviewedId }, As(null)).ResponseAsync,
                StatusCode.Unauthenticated, "authorization"),
            ("missing token on Scoring", () => Client.Scoring.GetSellerLevelAsync(
                new GetSellerLevelRequest { SellerId = reviewed.SellerId }, As(null)).ResponseAsync,
                StatusCode.Unauthenticated, "authorization"),
            ("another buyer accepts", () => Client.Orders.SubmitRequirementsAsync(
                new SubmitRequirementsRequest { RequestId = "bad-5", OrderId = placed.OrderId, Requirements = "Not my order." }, As(stranger)).ResponseAsync,
                StatusCode.PermissionDenied, ""),
            ("a stranger writes in the conversation", () => Client.Messaging.SendMessageAsync(
                new SendMessageRequest { RequestId = "bad-6", ConversationId = conversationId, Text = "Hello there." }, As(stranger)).ResponseAsync,
                StatusCode.PermissionDenied, ""),
            ("a buyer reads a seller's score", () => Client.Scoring.GetSellerScoreAsync(
                new GetSellerScoreRequest { SellerId = reviewed.SellerId }, As(buyer)).ResponseAsync,
                StatusCode.PermissionDenied, "visible only to that seller"),
            ("a seller reads another Gig's score", () => Client.Scoring.GetGigScoreAsync(
                new GetGigScoreRequest { GigId = Order(s => s.SellerId != reviewed.SellerId).GigId }, As(seller)).ResponseAsync,
                StatusCode.PermissionDenied, "visible only to the Gig's seller"),
        };

        var internalCaller = Client.Bearer("auditor", CallerRole.Internal);
        async Task<string> StateAsync() => string.Join("\n",
            await StreamsAsync(),
            await Client.Orders.GetOrderAsync(new GetOrderRequest { OrderId = placed.OrderId }, As(internalCaller)),
            await Client.Reviews.GetReviewAsync(new GetReviewRequest { OrderId = reviewedId }, As(internalCaller)),
            await Client.Messaging.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, As(internalCaller)),
            await Client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = reviewed.SellerId }, As(internalCaller)));

        foreach (var (what, call, status, message) in cases)
        {
            var before = await StateAsync();
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == status, $"{what}: expected {status}, got {error.StatusCode} ({error.Status.Detail})");
            Assert.True(error.Status.Detail.Contains(message, StringComparison.Ordinal), $"{what}: '{error.Status.Detail}' does not name '{message}'");
            await fixture.Platform.CaughtUpAsync();
            Assert.True(before == await StateAsync(), $"{what} changed something");
        }
    }

    [Theory]
    [InlineData("Orders", "marketplace.orders.v1.OrdersService", "PlaceOrder", "PlaceOrderRequest")]
    [InlineData("Reviews", "marketplace.reviews.v1.ReviewsService", "SubmitBuyerReview", "SubmitBuyerReviewRequest")]
    [InlineData("Messaging", "marketplace.messaging.v1.MessagingService", "SendMessage", "SendMessageRequest")]
    [InlineData("Scoring", "marketplace.scoring.v1.ScoringService", "GetGigScore", "GetGigScoreRequest")]
    public async Task Reflection_lists_the_service_and_resolves_a_method_like_grpcurl(string service, string fullName, string method, string requestType)
    {
        await using var node = NodeProcess.Start("reflect-service.js",
            fixture.Platform[service].GrpcPort.ToString(CultureInfo.InvariantCulture), fullName, method);
        int exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"reflect-service.js failed: {node.Stdout} {node.Stderr}");

        var result = JsonDocument.Parse(node.Stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'))).RootElement;
        var services = result.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains(fullName, services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
        Assert.Contains(method, result.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal($"/{fullName}/{method}", result.GetProperty("path").GetString());
        Assert.Equal(requestType, result.GetProperty("requestType").GetString());
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("Reviews")]
    [InlineData("Messaging")]
    [InlineData("Scoring")]
    public async Task Grpc_health_of_every_running_service_is_serving(string service)
    {
        using var clients = TypedClients.For<Health.HealthClient>(new Uri($"http://127.0.0.1:{fixture.Platform[service].GrpcPort}"));
        var response = await clients.Get<Health.HealthClient>().CheckAsync(new HealthCheckRequest { Service = "" }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    private ScriptedOrder Order(Func<ScriptedOrder, bool> which) => fixture.Scenario.Orders.First(which);

    private static BuyerRatings Ratings(int overall) => new()
    {
        Overall = overall,
        Communication = 5,
        Quality = 5,
        ValueForMoney = 5,
        WouldRecommend = true,
        PrivateRating = 9,
    };

    /// <summary>The length of every topic and outbox and the number of keys: a refused call publishes and stores nothing.</summary>
    private async Task<string> StreamsAsync()
    {
        var db = fixture.Platform.Db;
        var parts = new List<string>();
        foreach (var stream in new[] { "orders", "reviews", "messaging", "scoring", "orders:outbox", "reviews:outbox", "messaging:outbox", "scoring:outbox" })
        {
            parts.Add($"{stream}={(long)await db.ExecuteAsync("XLEN", stream)}");
        }

        parts.Add("keys=" + (long)await db.ExecuteAsync("DBSIZE"));
        return string.Join(" ", parts);
    }
}

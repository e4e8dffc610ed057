using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Grpc.Core;
using Marketplace.Orders.Store;
using Marketplace.Testing;
using static Marketplace.Clients.PlatformClients;
using Xunit;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// SPEC 7 on every first-flow RPC: bad fields, unknown order, wrong state, missing token and
/// wrong caller each get their status with a message naming the field or rule, and the stored
/// order is exactly as it was.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class BadInputTests(RedisFixture redis) : IAsyncLifetime
{
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    /// <summary>One command RPC on an existing order: who may send it, in which state, and how to send it.</summary>
    public sealed record Command(
        string Rpc,
        OrderState ValidState,
        OrderState WrongState,
        string WrongStateName,
        Func<Parties, string> RightCaller,
        Func<Parties, string>? OtherParty,
        Func<OrdersHarness, string, string, string?, Task<OrderMessage>> Send,
        string? CommandField = null,
        Func<OrdersHarness, string, string, string?, Task<OrderMessage>>? SendWithoutField = null);

    public static readonly IReadOnlyDictionary<string, Command> Commands = new[]
    {
        new Command("SubmitRequirements", OrderState.Placed, OrderState.InProgress, "in_progress", p => p.Buyer, p => p.Seller,
            (h, id, req, token) => h.Client.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = req, OrderId = id, Requirements = "r" }, Authorization(token)).ResponseAsync,
            "requirements",
            (h, id, req, token) => h.Client.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = req, OrderId = id, Requirements = " " }, Authorization(token)).ResponseAsync),
        new Command("StartWork", OrderState.RequirementsSubmitted, OrderState.Placed, "placed", p => p.Seller, p => p.Buyer,
            (h, id, req, token) => h.Client.StartWorkAsync(new StartWorkRequest { RequestId = req, OrderId = id }, Authorization(token)).ResponseAsync),
        new Command("DeliverOrder", OrderState.InProgress, OrderState.Placed, "placed", p => p.Seller, p => p.Buyer,
            (h, id, req, token) => h.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = req, OrderId = id }, Authorization(token)).ResponseAsync),
        new Command("RequestRevision", OrderState.Delivered, OrderState.InProgress, "in_progress", p => p.Buyer, p => p.Seller,
            (h, id, req, token) => h.Client.RequestRevisionAsync(new RequestRevisionRequest { RequestId = req, OrderId = id, Details = "d" }, Authorization(token)).ResponseAsync,
            "details",
            (h, id, req, token) => h.Client.RequestRevisionAsync(new RequestRevisionRequest { RequestId = req, OrderId = id }, Authorization(token)).ResponseAsync),
        new Command("AcceptDelivery", OrderState.Delivered, OrderState.InProgress, "in_progress", p => p.Buyer, p => p.Seller,
            (h, id, req, token) => h.Client.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = req, OrderId = id }, Authorization(token)).ResponseAsync),
        new Command("CancelOrder", OrderState.InProgress, OrderState.Completed, "completed", p => p.Seller, null,
            (h, id, req, token) => h.Client.CancelOrderAsync(new CancelOrderRequest { RequestId = req, OrderId = id, Reason = CancellationReason.SellerUnableToDeliver }, Authorization(token)).ResponseAsync,
            "reason",
            (h, id, req, token) => h.Client.CancelOrderAsync(new CancelOrderRequest { RequestId = req, OrderId = id }, Authorization(token)).ResponseAsync),
    }.ToDictionary(c => c.Rpc);

    public static TheoryData<string> AllCommands => [.. Commands.Keys];

    public static TheoryData<string> CommandsWithAField => [.. Commands.Values.Where(c => c.CommandField is not null).Select(c => c.Rpc)];

    public static TheoryData<string> CommandsOfOneParty => [.. Commands.Values.Where(c => c.OtherParty is not null).Select(c => c.Rpc)];

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task An_empty_request_id_is_invalid_argument(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.InvalidArgument, "request_id",
            () => command.Send(_orders, id, "", command.RightCaller(parties)));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task An_empty_order_id_is_invalid_argument(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id",
            () => command.Send(_orders, "", OrdersHarness.NewRequestId(), command.RightCaller(parties)));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(CommandsWithAField))]
    public async Task A_missing_command_field_is_invalid_argument_naming_it(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.InvalidArgument, command.CommandField!,
            () => command.SendWithoutField!(_orders, id, OrdersHarness.NewRequestId(), command.RightCaller(parties)));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task An_unknown_order_is_refused_to_a_party_as_an_order_of_someone_else_and_not_created(string rpc)
    {
        // Permission before existence (issue 16): nobody is a party of an order that does not exist,
        // so the caller who would be allowed on a real one is refused as a stranger is on a real one.
        var command = Commands[rpc];
        var parties = new Parties();
        var (_, _, id, _) = await ArrangeAsync(rpc, valid: true);
        var unknown = "ord-unknown-" + Guid.NewGuid().ToString("N");

        var onUnknown = await Assert.ThrowsAsync<RpcException>(
            () => command.Send(_orders, unknown, OrdersHarness.NewRequestId(), command.RightCaller(parties)));
        var onOthers = await Assert.ThrowsAsync<RpcException>(
            () => command.Send(_orders, id, OrdersHarness.NewRequestId(), parties.Stranger));

        Assert.Equal(StatusCode.PermissionDenied, onUnknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, onOthers.StatusCode);
        Assert.Equal(onOthers.Status.Detail.Replace(id, "<order>").Replace("stranger-", "<caller>-"),
            onUnknown.Status.Detail.Replace(unknown, "<order>").Replace(command.RightCaller(parties) == parties.Buyer ? "buyer-" : "seller-", "<caller>-"));
        Assert.Empty(await _orders.StoredAsync(unknown));
    }

    [Fact]
    public async Task Support_learns_that_an_unknown_order_does_not_exist_where_the_command_is_supports()
    {
        var parties = new Parties();
        var unknown = "ord-unknown-" + Guid.NewGuid().ToString("N");

        await AssertRefusedAsync(StatusCode.NotFound, unknown, () => _orders.Client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = unknown, Reason = CancellationReason.SupportInBuyersFavour,
        }, Authorization(parties.Support)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "may be issued by buyer only", () => _orders.Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = unknown, Requirements = "r" }, Authorization(parties.Support)).ResponseAsync);
        Assert.Empty(await _orders.StoredAsync(unknown));
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task A_command_in_the_wrong_state_is_failed_precondition_naming_the_state(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: false);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, $"'{command.WrongStateName}'",
            () => command.Send(_orders, id, OrdersHarness.NewRequestId(), command.RightCaller(parties)));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task A_call_without_a_token_is_unauthenticated(string rpc)
    {
        var (command, _, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.Unauthenticated, "",
            () => command.Send(_orders, id, OrdersHarness.NewRequestId(), null));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task A_caller_who_is_not_a_party_is_permission_denied(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "may be issued by",
            () => command.Send(_orders, id, OrdersHarness.NewRequestId(), parties.Stranger));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [MemberData(nameof(CommandsOfOneParty))]
    public async Task The_other_party_is_permission_denied_naming_who_may(string rpc)
    {
        var (command, parties, id, before) = await ArrangeAsync(rpc, valid: true);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only",
            () => command.Send(_orders, id, OrdersHarness.NewRequestId(), command.OtherParty!(parties)));
        Assert.Equal(before, await _orders.StoredAsync(id));
    }

    [Theory]
    [InlineData("request_id")]
    [InlineData("gig_id")]
    [InlineData("seller_id")]
    [InlineData("category")]
    [InlineData("amount")]
    [InlineData("due_at")]
    [InlineData("revisions_included")]
    public async Task PlaceOrder_with_a_bad_field_is_invalid_argument_naming_it_and_stores_nothing(string field)
    {
        var parties = new Parties();
        var request = OrdersHarness.ValidPlacement(parties);
        switch (field)
        {
            case "request_id": request.RequestId = ""; break;
            case "gig_id": request.GigId = ""; break;
            case "seller_id": request.SellerId = ""; break;
            case "category": request.Category = ""; break;
            case "amount": request.Amount = new Money { CurrencyCode = "USD", AmountMinor = 0 }; break;
            case "due_at": request.DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1)); break;
            case "revisions_included": request.RevisionsIncluded = -1; break;
        }

        await AssertRefusedAsync(StatusCode.InvalidArgument, field, () => _orders.Client.PlaceOrderAsync(request, Authorization(parties.Buyer)).ResponseAsync);
        await AssertNothingPlacedAsync(parties);
    }

    [Fact]
    public async Task PlaceOrder_without_a_token_is_unauthenticated_and_without_the_buyer_role_permission_denied()
    {
        var parties = new Parties();
        await AssertRefusedAsync(StatusCode.Unauthenticated, "",
            () => _orders.Client.PlaceOrderAsync(OrdersHarness.ValidPlacement(parties), Authorization(null)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "needs the role buyer",
            () => _orders.Client.PlaceOrderAsync(OrdersHarness.ValidPlacement(parties), Authorization(parties.BuyerWithoutBuyerRole)).ResponseAsync);
        await AssertNothingPlacedAsync(parties);
    }

    [Fact]
    public async Task GetOrder_refuses_strangers_unknown_orders_empty_ids_and_missing_tokens_and_support_alone_learns_an_order_does_not_exist()
    {
        var parties = new Parties();
        var order = await _orders.PlaceAsync(parties);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "may be issued by",
            () => _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, Authorization(parties.Stranger)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.NotFound, "ord-nope",
            () => _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = "ord-nope" }, Authorization(parties.Support)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.PermissionDenied, "ord-nope",
            () => _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = "ord-nope" }, Authorization(parties.Buyer)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id",
            () => _orders.Client.GetOrderAsync(new GetOrderRequest(), Authorization(parties.Buyer)).ResponseAsync);
        await AssertRefusedAsync(StatusCode.Unauthenticated, "",
            () => _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, Authorization(null)).ResponseAsync);
    }

    private async Task<(Command Command, Parties Parties, string OrderId, IReadOnlyDictionary<string, string> Before)> ArrangeAsync(
        string rpc, bool valid)
    {
        var command = Commands[rpc];
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, valid ? command.ValidState : command.WrongState);
        var before = await _orders.StoredAsync(order.OrderId);
        Assert.NotEmpty(before);
        return (command, parties, order.OrderId, before);
    }

    private async Task AssertNothingPlacedAsync(Parties parties)
    {
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.BuyerId)));
        Assert.False(await _orders.Redis.KeyExistsAsync(OrderKeys.AccountOrders(parties.SellerId)));
    }

    private static async Task AssertRefusedAsync(StatusCode expected, string mention, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == e.StatusCode, $"expected {expected}, got {e.StatusCode}: {e.Status.Detail}");
        Assert.Contains(mention, e.Status.Detail, StringComparison.Ordinal);
    }
}

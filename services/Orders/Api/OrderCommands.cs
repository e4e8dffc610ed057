using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;
using PlaceOrderRequest = Marketplace.Contracts.Orders.V1.PlaceOrderRequest;

namespace Marketplace.Orders.Api;

/// <summary>
/// Runs one state-changing order command the same way for every RPC, through the platform's
/// <see cref="IdempotentCommands"/>: in one unit of work keyed by the caller and request id, it
/// reads the order, decides the acting party, lets the domain decide, and commits the new order
/// with its events and the response. A refused command throws before anything is staged, so it
/// changes nothing; a repeated request returns the stored response and publishes nothing.
/// </summary>
public sealed class OrderCommands(IdempotentCommands commands, TimeProvider clock)
{
    /// <summary>A command on an existing order.</summary>
    public Task<OrderMessage> RunAsync(
        ServerCallContext context,
        string requestId,
        string orderId,
        Google.Protobuf.IMessage request,
        Func<Order, Actor, DateTimeOffset, Decision<Order>> decide)
    {
        RequestFields.Id("order_id", orderId);
        return commands.RunAsync(context, requestId, request, OrderMessage.Parser, async (work, caller) =>
        {
            var order = await OrderStore.ReadAsync(work, orderId)
                ?? throw Unknown(orderId, caller, decide).ToException();
            var actor = ActingParty.On(caller, order.BuyerId, order.SellerId);
            var decision = decide(order, actor, clock.GetUtcNow());
            var next = decision.OrThrow();
            OrderStore.StageChanged(work, next, decision.Events);
            return OrderSnapshot.ToMessage(next);
        });
    }

    /// <summary>
    /// The refusal of a command on an order that does not exist, permission first (issue 16): the
    /// command is put to the domain on an order nobody is a party of (<see cref="Order.OfNobody"/>).
    /// Where it is refused there (every buyer and seller; support or internal callers whose command
    /// it is not) that PERMISSION_DENIED is the answer, in the words a non-party of a real order
    /// gets; a caller it lets through learns that the order does not exist.
    /// </summary>
    public Rejection Unknown(string orderId, Caller caller, Func<Order, Actor, DateTimeOffset, Decision<Order>> decide)
    {
        var nobodys = Order.OfNobody(orderId);
        var refused = decide(nobodys, ActingParty.On(caller, nobodys.BuyerId, nobodys.SellerId), clock.GetUtcNow()).Rejection;
        return refused is { Kind: RejectionKind.PermissionDenied } ? refused : NotFound(orderId);
    }

    /// <summary>The answer to a caller the permission rules let through, naming an order that does not exist.</summary>
    public static Rejection NotFound(string orderId) => Rejection.NotFound($"order {RequestFields.Shown(orderId)} not found");

    /// <summary>
    /// PlaceOrder: the caller (who holds the buyer role) becomes the order's buyer, and whether the same
    /// token holds the seller role is recorded as the buyer's seller account (SPEC 4); the order id is
    /// generated once per request.
    /// </summary>
    public Task<OrderMessage> PlaceAsync(ServerCallContext context, PlaceOrderRequest request, OrderPolicy policy) =>
        commands.RunAsync(context, request.RequestId, request, OrderMessage.Parser, async (work, caller) =>
        {
            var orderId = NewOrderId();
            if (await OrderStore.ReadAsync(work, orderId) is not null)
            {
                throw Rejection.AlreadyExists($"order {orderId} already exists").ToException();
            }

            var decision = Order.Place(orderId, Actor.Buyer(caller.Subject), caller.Has(CallerRole.Seller), request, clock.GetUtcNow(), policy);
            var placed = decision.OrThrow();
            await OrderStore.StageGigSellerAsync(work, placed.GigId, placed.SellerId);
            OrderStore.StagePlaced(work, placed, decision.Events);
            return OrderSnapshot.ToMessage(placed);
        });

    /// <summary>Order ids: "ord-" and a version 7 (time-ordered) UUID in hex.</summary>
    public static string NewOrderId() => "ord-" + Guid.CreateVersion7().ToString("N");
}

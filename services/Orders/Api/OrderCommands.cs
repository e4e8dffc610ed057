using Google.Protobuf;
using Marketplace.EventBus;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Api;

/// <summary>
/// Runs one state-changing order command the same way for every RPC: checks the request id and
/// order id, then, in one unit of work keyed <c>request:&lt;caller&gt;:&lt;request_id&gt;</c>, reads
/// the order, decides the acting party, lets the domain decide, and commits the new order with
/// its events and the response. A refused command throws before anything is staged, so it
/// changes nothing; a repeated request returns the stored response and publishes nothing.
/// </summary>
public sealed class OrderCommands(UnitOfWorkExecutor executor, TimeProvider clock)
{
    /// <summary>A command on an existing order.</summary>
    public Task<OrderMessage> RunAsync(
        Caller caller,
        string rpc,
        string requestId,
        string orderId,
        IMessage request,
        Func<Order, Actor, DateTimeOffset, Decision<Order>> decide,
        CancellationToken cancellationToken)
    {
        RequireNotEmpty("order_id", orderId);
        return RunAsync(caller, rpc, requestId, request, async (work, now) =>
        {
            var order = await OrderStore.ReadAsync(work, orderId)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"order {orderId} not found"));
            return Accepted(decide(order, ActingParty.On(order, caller), now));
        }, isNew: false, cancellationToken);
    }

    /// <summary>PlaceOrder: the order id is generated here, once per request.</summary>
    public Task<OrderMessage> PlaceAsync(Caller caller, Contracts.Orders.V1.PlaceOrderRequest request, CancellationToken cancellationToken)
    {
        var buyer = ActingParty.Placing(caller);
        var orderId = NewOrderId();
        return RunAsync(caller, "PlaceOrder", request.RequestId, request, async (work, now) =>
        {
            if (await OrderStore.ReadAsync(work, orderId) is not null)
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"order {orderId} already exists"));
            }

            return Accepted(Order.Place(orderId, buyer, request, now));
        }, isNew: true, cancellationToken);
    }

    /// <summary>Order ids: "ord-" and a version 7 (time-ordered) UUID in hex.</summary>
    public static string NewOrderId() => "ord-" + Guid.CreateVersion7().ToString("N");

    private async Task<OrderMessage> RunAsync(
        Caller caller,
        string rpc,
        string requestId,
        IMessage request,
        Func<UnitOfWork, DateTimeOffset, Task<Decision<Order>>> change,
        bool isNew,
        CancellationToken cancellationToken)
    {
        RequireNotEmpty("request_id", requestId);
        var digest = IdempotentReply.Digest(rpc, request);
        var outcome = await executor.ExecuteAsync($"request:{caller.Subject}:{requestId}", async (work, _) =>
        {
            var decision = await change(work, clock.GetUtcNow());
            var order = decision.State!;
            if (isNew)
            {
                OrderStore.StagePlaced(work, order, decision.Events);
            }
            else
            {
                OrderStore.StageChanged(work, order, decision.Events);
            }

            work.SetResult(IdempotentReply.Encode(digest, OrderSnapshot.ToMessage(order)));
        }, cancellationToken);
        return IdempotentReply.Decode((byte[])outcome.Result!, digest, OrderMessage.Parser, requestId);
    }

    /// <summary>The decision when accepted; its rejection as a gRPC status otherwise.</summary>
    private static Decision<Order> Accepted(Decision<Order> decision)
    {
        decision.OrThrow();
        return decision;
    }

    private static void RequireNotEmpty(string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must not be empty"));
        }
    }
}

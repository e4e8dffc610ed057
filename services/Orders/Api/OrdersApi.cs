using System.Globalization;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Grpc;
using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Api;

/// <summary>
/// The gRPC surface of marketplace.orders.v1.OrdersService. Each method authenticates the
/// caller and hands the command to <see cref="OrderCommands"/> (idempotent unit of work) with
/// the matching domain method; reads go straight to the store. Every RPC of the proto is
/// implemented: the domain covers the whole designed surface.
/// </summary>
public sealed class OrdersApi(CallerAuthenticator authenticator, OrderCommands commands, OrderStore store, OrdersOptions options)
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    private OrderPolicy Policy => options.Policy;

    public async Task<OrderMessage> PlaceOrder(PlaceOrderRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await commands.PlaceAsync(caller, request, context.CancellationToken);
    }

    public async Task<OrderMessage> SubmitRequirements(SubmitRequirementsRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(SubmitRequirements),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.SubmitRequirements(actor, request.Requirements, now), context.CancellationToken);

    public async Task<OrderMessage> StartWork(StartWorkRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(StartWork),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.StartWork(actor, now), context.CancellationToken);

    public async Task<OrderMessage> DeliverOrder(DeliverOrderRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(DeliverOrder),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.Deliver(actor, now, Policy), context.CancellationToken);

    public async Task<OrderMessage> RequestRevision(RequestRevisionRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(RequestRevision),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RequestRevision(actor, request.Details, now), context.CancellationToken);

    public async Task<OrderMessage> DeclineRevision(DeclineRevisionRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(DeclineRevision),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.DeclineRevision(actor, now, Policy), context.CancellationToken);

    public async Task<OrderMessage> AcceptDelivery(AcceptDeliveryRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(AcceptDelivery),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.AcceptDelivery(actor, now), context.CancellationToken);

    public async Task<OrderMessage> CancelOrder(CancelOrderRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(CancelOrder),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.Cancel(actor, request, now), context.CancellationToken);

    public async Task<OrderMessage> GetOrder(GetOrderRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        if (string.IsNullOrWhiteSpace(request.OrderId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "order_id must not be empty"));
        }

        var order = await store.GetAsync(request.OrderId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"order {request.OrderId} not found"));
        if (order.AllowRead(ActingParty.On(order, caller)) is { } refused)
        {
            throw refused.ToRpcException();
        }

        return OrderSnapshot.ToMessage(order);
    }

    public async Task<OrderMessage> OpenResolution(OpenResolutionRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        var resolutionId = "res-" + Guid.CreateVersion7().ToString("N");
        return await commands.RunAsync(caller, nameof(OpenResolution), request.RequestId, request.OrderId, request,
            (order, actor, now) => order.OpenResolution(actor, resolutionId, request, now, Policy), context.CancellationToken);
    }

    public async Task<OrderMessage> RespondToResolution(RespondToResolutionRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(RespondToResolution),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RespondToResolution(actor, request.ResolutionId, request.Accept, now), context.CancellationToken);

    public async Task<OrderMessage> EscalateResolution(EscalateResolutionRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(EscalateResolution),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.EscalateResolution(actor, request.ResolutionId, now), context.CancellationToken);

    public async Task<OrderMessage> ResolveDispute(ResolveDisputeRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(ResolveDispute),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.ResolveDispute(actor, request.ResolutionId, request.Grant, request.InSellersFavour, now),
            context.CancellationToken);

    public async Task<OrderMessage> RecordSupportContact(RecordSupportContactRequest request, ServerCallContext context) =>
        await commands.RunAsync(await authenticator.AuthenticateAsync(context), nameof(RecordSupportContact),
            request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RecordSupportContact(actor, now), context.CancellationToken);

    /// <summary>The caller's own orders (as buyer or seller), newest first; page_token is an offset.</summary>
    public async Task<ListOrdersResponse> ListOrders(ListOrdersRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"page_size must be from 0 (default {DefaultPageSize}) to {MaxPageSize} (was {request.PageSize})"));
        }

        long offset = 0;
        if (request.PageToken.Length > 0
            && !long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not a token returned by ListOrders"));
        }

        int size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var ids = await store.ListIdsAsync(caller.Subject, offset, size + 1);
        var response = new ListOrdersResponse();
        foreach (var id in ids.Take(size))
        {
            if (await store.GetAsync(id) is { } order)
            {
                response.Orders.Add(OrderSnapshot.ToMessage(order));
            }
        }

        if (ids.Count > size)
        {
            response.NextPageToken = (offset + size).ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }
}

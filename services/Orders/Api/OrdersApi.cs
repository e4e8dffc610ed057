using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Redis;
using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using Marketplace.Platform.Grpc;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Api;

/// <summary>
/// marketplace.orders.v1.OrdersService. Every RPC needs an authenticated caller (authorization
/// runs before the method: UNAUTHENTICATED / PERMISSION_DENIED); each command hands the domain
/// method to <see cref="OrderCommands"/> (idempotent unit of work), reads go to the store.
/// Refusals are thrown as domain rejections and become statuses in the platform's interceptor.
/// </summary>
[Authorize]
public sealed class OrdersApi(OrderCommands commands, OrderStore store, IOptions<OrdersOptions> options)
    : OrdersService.OrdersServiceBase
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    private Domain.OrderPolicy Policy => options.Value.Policy;

    [Authorize(Policy = CallerIdentity.Buyer)]
    public override Task<OrderMessage> PlaceOrder(PlaceOrderRequest request, ServerCallContext context) =>
        commands.PlaceAsync(context, request, Policy);

    public override Task<OrderMessage> SubmitRequirements(SubmitRequirementsRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.SubmitRequirements(actor, request.Requirements, now));

    public override Task<OrderMessage> StartWork(StartWorkRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.StartWork(actor, now));

    public override Task<OrderMessage> DeliverOrder(DeliverOrderRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.Deliver(actor, now, Policy));

    public override Task<OrderMessage> RequestRevision(RequestRevisionRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RequestRevision(actor, request.Details, now));

    public override Task<OrderMessage> DeclineRevision(DeclineRevisionRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.DeclineRevision(actor, now, Policy));

    public override Task<OrderMessage> AcceptDelivery(AcceptDeliveryRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.AcceptDelivery(actor, now));

    public override Task<OrderMessage> CancelOrder(CancelOrderRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.Cancel(actor, request, now, Policy));

    /// <summary>An order's parties, support and internal callers; an unknown id is refused as an order of nobody's (permission first).</summary>
    public override async Task<OrderMessage> GetOrder(GetOrderRequest request, ServerCallContext context)
    {
        RequestFields.Id("order_id", request.OrderId);
        var caller = context.Caller();
        var order = await store.GetAsync(request.OrderId);
        var readable = order ?? Domain.Order.OfNobody(request.OrderId);
        if (readable.AllowRead(ActingParty.On(caller, readable.BuyerId, readable.SellerId)) is { } refused)
        {
            throw refused.ToException();
        }

        return OrderSnapshot.ToMessage(order ?? throw OrderCommands.NotFound(request.OrderId).ToException());
    }

    public override Task<OrderMessage> OpenResolution(OpenResolutionRequest request, ServerCallContext context)
    {
        var resolutionId = "res-" + Guid.CreateVersion7().ToString("N");
        return commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.OpenResolution(actor, resolutionId, request, now, Policy));
    }

    public override Task<OrderMessage> RespondToResolution(RespondToResolutionRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RespondToResolution(actor, request.ResolutionId, request.Accept, now, Policy));

    public override Task<OrderMessage> EscalateResolution(EscalateResolutionRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.EscalateResolution(actor, request.ResolutionId, now));

    public override Task<OrderMessage> ResolveDispute(ResolveDisputeRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.ResolveDispute(actor, request.ResolutionId, request.Grant, request.InSellersFavour, now));

    public override Task<OrderMessage> RecordSupportContact(RecordSupportContactRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request,
            (order, actor, now) => order.RecordSupportContact(actor, now));

    /// <summary>
    /// The caller's own orders (as buyer or seller), newest first, read in one round trip from one
    /// state. page_token is opaque: where the previous page ended, so orders placed meanwhile
    /// neither repeat nor push orders off later pages.
    /// </summary>
    public override async Task<ListOrdersResponse> ListOrders(ListOrdersRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw Rejection.InvalidArgument($"page_size must be from 0 (default {DefaultPageSize}) to {MaxPageSize} (was {request.PageSize})").ToException();
        }

        PageCursor? after = null;
        if (request.PageToken.Length > 0 && (after = IndexPages.Parse(request.PageToken, RequestFields.MaxIdLength)) is null)
        {
            throw Rejection.InvalidArgument("page_token is not a token returned by ListOrders").ToException();
        }

        var (orders, next) = await store.ListAsync(caller.Subject, after, request.PageSize == 0 ? DefaultPageSize : request.PageSize);
        var response = new ListOrdersResponse { NextPageToken = next is null ? "" : IndexPages.Token(next) };
        response.Orders.AddRange(orders.Select(OrderSnapshot.ToMessage));
        return response;
    }
}

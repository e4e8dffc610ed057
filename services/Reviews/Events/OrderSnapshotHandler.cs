using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Keeps Reviews' copy of an order from any order event: each carries the full order after the
/// change, so the handler keeps the snapshot with the highest <c>version</c> and ignores older
/// ones (events arrive late, twice or out of order). A completed order also joins its buyer's
/// completed orders (the standing that cancelled-order eligibility needs).
/// </summary>
/// <typeparam name="TPayload">An orders event; every one has the snapshot in its <c>order</c> field.</typeparam>
public sealed class OrderSnapshotHandler<TPayload>(ILogger<OrderSnapshotHandler<TPayload>> logger) : Marketplace.EventBus.EventHandler<TPayload>
    where TPayload : class, IMessage<TPayload>, new()
{
    private static readonly MessageDescriptor Descriptor = new TPayload().Descriptor;
    private static readonly FieldDescriptor OrderField = Descriptor.FindFieldByName("order")
        ?? throw new InvalidOperationException($"{Descriptor.FullName} has no 'order' field.");

    public override string EventType { get; } = PlatformEvents.TypeOf(Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, TPayload payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (OrderField.Accessor.GetValue(payload) is not Order order || string.IsNullOrEmpty(order.OrderId))
        {
            throw new MalformedEventException($"{EventType} event {envelope.Id} has no order snapshot");
        }

        var key = ReviewKeys.Order(order.OrderId);
        var stored = await work.ReadHashFieldAsync(key, OrderFactsFields.Version);
        if (!stored.IsNull && (long)stored >= order.Version)
        {
            logger.LogDebug("Event {EventId}: order {OrderId} v{Version} is not newer than v{Stored}; ignored", envelope.Id, order.OrderId, order.Version, (long)stored);
            return;
        }

        work.HashSet(key, OrderFactsFields.FromSnapshot(order).Entries);
        if (order.State == OrderState.Completed && order.CompletedAt is not null)
        {
            work.HashSet(ReviewKeys.BuyerCompletedOrders(order.BuyerId), order.OrderId,
                order.CompletedAt.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
    }
}

/// <summary>The orders events Reviews follows: all of them, since each carries the order snapshot.</summary>
public static class OrderSnapshotRegistrations
{
    public static EventHandlerRegistrations AddOrderSnapshots(this EventHandlerRegistrations handlers) => handlers
        .Add<OrderSnapshotHandler<OrderPlaced>>()
        .Add<OrderSnapshotHandler<RequirementsSubmitted>>()
        .Add<OrderSnapshotHandler<WorkStarted>>()
        .Add<OrderSnapshotHandler<OrderDelivered>>()
        .Add<OrderSnapshotHandler<RevisionRequested>>()
        .Add<OrderSnapshotHandler<RevisionDeclined>>()
        .Add<OrderSnapshotHandler<OrderCompleted>>()
        .Add<OrderSnapshotHandler<OrderCancelled>>()
        .Add<OrderSnapshotHandler<ResolutionOpened>>()
        .Add<OrderSnapshotHandler<ResolutionAccepted>>()
        .Add<OrderSnapshotHandler<DisputeOpened>>()
        .Add<OrderSnapshotHandler<DisputeResolved>>()
        .Add<OrderSnapshotHandler<SupportContacted>>();
}

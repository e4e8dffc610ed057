using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Domain;

/// <summary>Permission and state checks shared by the commands, and the change recorder.</summary>
public sealed partial record Order
{
    /// <summary>
    /// Who may read the order (GetOrder): its buyer, its seller, support and internal callers.
    /// </summary>
    public Rejection? AllowRead(Actor caller) =>
        Allow(caller, "get_order", PartyRole.Buyer, PartyRole.Seller, PartyRole.Support, PartyRole.Internal);

    /// <summary>
    /// The caller must hold one of <paramref name="roles"/>, and a buyer or seller must be
    /// this order's buyer or seller (SPEC 5.6).
    /// </summary>
    private Rejection? Allow(Actor caller, string command, params PartyRole[] roles)
    {
        if (!roles.Contains(caller.Role))
        {
            var allowed = string.Join(", ", roles.Select(Names.Of<PartyRole>));
            return Rejection.PermissionDenied(
                $"'{command}' on order {OrderId} may be issued by {allowed} only, not by {Names.Of(caller.Role)} {caller.Id}");
        }

        var partyId = PartyId(caller.Role);
        return partyId is null || partyId == caller.Id
            ? null
            : Rejection.PermissionDenied($"caller {caller.Id} is not the {Names.Of(caller.Role)} of order {OrderId}");
    }

    private Rejection? RequireState(string command, params OrderState[] states) =>
        states.Contains(State)
            ? null
            : Rejection.FailedPrecondition(
                $"order {OrderId} is in state '{Names.Of(State)}'; '{command}' needs '{string.Join("' or '", states.Select(Names.Of<OrderState>))}'");

    private Rejection? RequireOpen(string command) =>
        IsClosed
            ? Rejection.FailedPrecondition(
                $"order {OrderId} is in state '{Names.Of(State)}'; '{command}' needs a state before 'completed'")
            : null;

    /// <summary>
    /// Records a sequence of changes: each bumps <see cref="Version"/> and yields one event
    /// carrying the order as it is after that change.
    /// </summary>
    private sealed class Changes(Order start, DateTimeOffset now)
    {
        private readonly List<IMessage> events = [];

        public Order Current { get; private set; } = start;

        public Changes Then(Func<Order, Order> change, Func<OrderMessage, IMessage> toEvent)
        {
            Current = change(Current) with { Version = Current.Version + 1, UpdatedAt = now };
            events.Add(toEvent(OrderSnapshot.ToMessage(Current)));
            return this;
        }

        public Decision<Order> Decide() => Decision<Order>.Accept(Current, events);
    }
}

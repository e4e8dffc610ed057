using FsCheck;
using FsCheck.Fluent;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>
/// Random command sequences from random callers: the invariants of SPEC 2 and SPEC 6/7 hold
/// after every step, whatever is accepted or refused.
/// </summary>
public sealed class OrderPropertyTests
{
    private static readonly Actor[] Callers =
        [Buyer, Seller, Actor.Buyer("b-other"), Support, Payments];

    private static readonly CancellationReason[] Reasons = Enum.GetValues<CancellationReason>();

    private static readonly HashSet<(OrderState From, OrderState To)> Spec2Moves =
    [
        (OrderState.Placed, OrderState.RequirementsSubmitted),
        (OrderState.RequirementsSubmitted, OrderState.InProgress),
        (OrderState.InProgress, OrderState.Delivered),
        (OrderState.Delivered, OrderState.Completed),
        (OrderState.Delivered, OrderState.RevisionRequested),
        (OrderState.RevisionRequested, OrderState.InProgress),
        // Seller declines a revision beyond the included ones.
        (OrderState.RevisionRequested, OrderState.Delivered),
        (OrderState.Placed, OrderState.Cancelled),
        (OrderState.RequirementsSubmitted, OrderState.Cancelled),
        (OrderState.InProgress, OrderState.Cancelled),
        (OrderState.Delivered, OrderState.Cancelled),
        (OrderState.RevisionRequested, OrderState.Cancelled),
    ];

    private static Config Config => PropertyConfig.Fixed(300);

    private static Gen<int[]> Steps => Gen.ArrayOf(Gen.Choose(0, int.MaxValue), 40);

    [Fact]
    public void Spec2_random_command_sequences_keep_the_order_invariants()
    {
        var reached = new HashSet<OrderState>();
        Check.One(Config, Prop.ForAll(Arb.From(Steps), steps =>
        {
            var order = Placed(revisionsIncluded: 1);
            var now = T0;
            var resolutionIds = 0;
            foreach (var step in steps)
            {
                now = now.AddHours(step % 40);
                var before = order;
                var decision = Run(order, step, now, ref resolutionIds);
                if (!decision.IsAccepted)
                {
                    Assert.Empty(decision.Events);
                    Assert.Null(decision.State);
                    continue;
                }

                order = decision.State!;
                reached.Add(order.State);
                CheckStep(before, order, decision);
            }
        }));

        // The generator really drives orders through the whole machine.
        Assert.Equal(Enum.GetValues<OrderState>().Where(s => s != OrderState.Unspecified), reached.Order());
    }

    [Fact]
    public void Spec6_stored_fields_round_trip_every_reachable_order()
    {
        Check.One(Config, Prop.ForAll(Arb.From(Steps), steps =>
        {
            var order = Placed(revisionsIncluded: 1);
            var now = T0;
            var resolutionIds = 0;
            foreach (var step in steps)
            {
                now = now.AddHours(step % 40);
                order = Run(order, step, now, ref resolutionIds).State ?? order;
                var fields = OrderFields.ToFields(order).Fields;
                var back = OrderFields.FromFields(fields);
                Assert.Equal(OrderSnapshot.ToMessage(order), OrderSnapshot.ToMessage(back));
                Assert.Equal(fields, OrderFields.ToFields(back).Fields);
            }
        }));
    }

    private static void CheckStep(Order before, Order after, Decision<Order> decision)
    {
        // SPEC 6: one version per event, each event carrying the order after its change.
        Assert.Equal(before.Version + decision.Events.Count, after.Version);
        var versions = decision.Events.Select(e => SnapshotOf(e).Version).ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count).Select(i => before.Version + i), versions);
        if (decision.Events.Count > 0)
        {
            Assert.Equal(OrderSnapshot.ToMessage(after), SnapshotOf(decision.Events[^1]));
        }

        // SPEC 2: only the moves of the state machine; closed orders stay closed.
        if (before.State != after.State)
        {
            Assert.Contains((before.State, after.State), Spec2Moves);
        }

        Assert.Equal(after.State == OrderState.Cancelled, after.Cancellation is not null);
        Assert.Equal(Math.Max(0, after.RevisionCount - after.RevisionsIncluded), after.RevisionsBeyondIncluded);
        Assert.Equal(after.DeliveryCount > 0, after.FirstDeliveredAt is not null);
        Assert.True(after.FirstDeliveredAt <= after.LastDeliveredAt || after.FirstDeliveredAt is null);
        Assert.True(after.DueAt >= after.OriginalDueAt);
        Assert.InRange(after.RefundedMinor, 0, after.Amount.AmountMinor - 1);
        Assert.True(after.Resolutions.Count(r => r.Status is ResolutionStatus.Open or ResolutionStatus.Escalated) <= 1);
        Assert.Equal(after.State == OrderState.Delivered, after.AutoCompleteAt is not null);
    }

    /// <summary>
    /// Decodes one random number into a command, its caller and its arguments. Lifecycle
    /// commands get more slots than cancellation, and most commands come from the party that
    /// may issue them, so sequences travel deep into the state machine; the rest come from a
    /// random (often wrong) caller.
    /// </summary>
    private static Decision<Order> Run(Order order, int step, DateTimeOffset now, ref int resolutionIds)
    {
        var pick = step / 4000;
        var pending = order.Resolutions.LastOrDefault()?.ResolutionId ?? "res-none";
        var requester = order.Resolutions.LastOrDefault()?.RequestedBy;
        Actor By(Actor natural) => step / 40 % 10 < 8 ? natural : Callers[step / 400 % Callers.Length];
        switch (step / 7 % 22)
        {
            case 0 or 1: return order.SubmitRequirements(By(Buyer), "brief", now);
            case 2 or 3: return order.StartWork(By(Seller), now);
            case 4 or 5: return order.Deliver(By(Seller), now, Policy);
            case 6 or 7: return order.RequestRevision(By(Buyer), "change", now);
            case 8: return order.DeclineRevision(By(Seller), now, Policy);
            case 9 or 10: return order.AcceptDelivery(By(Buyer), now);
            case 11:
                var canceller = Callers[pick % Callers.Length];
                return order.Cancel(canceller, new CancelOrderRequest { Reason = Reasons[pick % Reasons.Length], BuyerUnresponsive = pick % 3 == 0 }, now, Policy);
            case 12 or 13:
                var request = (pick % 3) switch
                {
                    0 => Extension(TimeSpan.FromHours(1 + pick % 72)),
                    1 => Refund(1 + pick % 6000),
                    _ => CancellationRequest(Reasons[pick % Reasons.Length]),
                };
                return order.OpenResolution(By(pick % 2 == 0 ? Seller : Buyer), $"res-{++resolutionIds}", request, now, Policy);
            case 14 or 15:
                return order.RespondToResolution(By(requester == PartyRole.Seller ? Buyer : Seller), pending, accept: pick % 2 == 0, now, Policy);
            case 16: return order.EscalateResolution(By(pick % 2 == 0 ? Seller : Buyer), pending, now);
            case 17: return order.ResolveDispute(By(Support), pending, grant: pick % 2 == 0, inSellersFavour: pick % 3 == 0, now);
            case 18: return order.RecordSupportContact(By(Support), now);
            default: return order.OnTimer(now);
        }
    }
}

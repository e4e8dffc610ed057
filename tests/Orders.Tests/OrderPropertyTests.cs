using FsCheck;
using FsCheck.Fluent;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
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
    private static readonly Caller[] Callers =
        [Buyer, Seller, Caller.Buyer("b-other"), Support, Payments];

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

    private static Config Config => Config.QuickThrowOnFailure.WithMaxTest(300);

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
                var fields = OrderFields.ToFields(order);
                var back = OrderFields.FromFields(fields);
                Assert.Equal(OrderSnapshot.ToMessage(order), OrderSnapshot.ToMessage(back));
                Assert.Equal(fields, OrderFields.ToFields(back));
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

    private static Decision<Order> Run(Order order, int step, DateTimeOffset now, ref int resolutionIds)
    {
        var caller = Callers[step / 40 % Callers.Length];
        var pick = step / 200;
        var pending = order.Resolutions.LastOrDefault()?.ResolutionId ?? "res-none";
        switch (step / 7 % 14)
        {
            case 0: return order.SubmitRequirements(caller, "brief", now);
            case 1: return order.StartWork(caller, now);
            case 2: return order.Deliver(caller, now, Policy);
            case 3: return order.RequestRevision(caller, "change", now);
            case 4: return order.DeclineRevision(caller, now, Policy);
            case 5: return order.AcceptDelivery(caller, now);
            case 6:
                return order.Cancel(caller, new CancelOrderRequest { Reason = Reasons[pick % Reasons.Length], BuyerUnresponsive = pick % 3 == 0 }, now);
            case 7:
                var request = (pick % 3) switch
                {
                    0 => Extension(TimeSpan.FromHours(1 + pick % 72)),
                    1 => Refund(1 + pick % 6000),
                    _ => CancellationRequest(Reasons[pick % Reasons.Length]),
                };
                return order.OpenResolution(caller, $"res-{++resolutionIds}", request, now, Policy);
            case 8: return order.RespondToResolution(caller, pending, accept: pick % 2 == 0, now);
            case 9: return order.EscalateResolution(caller, pending, now);
            case 10: return order.ResolveDispute(caller, pending, grant: pick % 2 == 0, inSellersFavour: pick % 3 == 0, now);
            case 11: return order.RecordSupportContact(caller, now);
            default: return order.OnTimer(now);
        }
    }
}

using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;

namespace Marketplace.Orders.Tests;

/// <summary>SPEC 2 auto-completion and SPEC 1 extension auto-acceptance, driven by an explicit clock.</summary>
public sealed class TimerTests
{
    [Fact]
    public void Spec2_delivered_order_completes_automatically_after_3_days()
    {
        var order = Delivered(at: T0.AddDays(2));

        var early = order.OnTimer(T0.AddDays(5).AddTicks(-1));
        var due = order.OnTimer(T0.AddDays(5));

        Assert.Empty(early.Events);
        Assert.Same(order, early.State);
        var completed = Accepted(due);
        Assert.Equal(OrderState.Completed, completed.State);
        Assert.True(completed.AutoCompleted);
        Assert.True(Assert.IsType<OrderCompleted>(Assert.Single(due.Events)).Automatically);
    }

    [Fact]
    public void Spec2_a_revision_request_stops_the_auto_complete_clock()
    {
        var order = RevisionRequested();

        Assert.Empty(order.OnTimer(T0.AddDays(30)).Events);
    }

    [Fact]
    public void Spec2_the_auto_complete_window_is_policy()
    {
        var policy = OrderPolicy.Default with { AutoCompleteAfter = TimeSpan.FromDays(1) };
        var order = Accepted(InProgress().Deliver(Seller, T0.AddDays(2), policy));

        Assert.Equal(T0.AddDays(3), order.AutoCompleteAt);
        Assert.Single(order.OnTimer(T0.AddDays(3)).Events);
    }

    [Fact]
    public void Spec1_unanswered_extension_is_accepted_after_48_hours()
    {
        var order = Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(1)), T0.AddDays(1), Policy));

        var early = order.OnTimer(T0.AddDays(3).AddTicks(-1));
        var due = order.OnTimer(T0.AddDays(3));

        Assert.Empty(early.Events);
        var extended = Accepted(due);
        Assert.Equal(T0.AddDays(6), extended.DueAt);
        Assert.True(Assert.IsType<ResolutionAccepted>(Assert.Single(due.Events)).Automatically);
    }

    [Fact]
    public void Spec1_other_requests_are_never_auto_accepted()
    {
        var order = Accepted(InProgress().OpenResolution(Buyer, "res-1", Refund(100), T0.AddDays(1), Policy));

        Assert.Empty(order.OnTimer(T0.AddDays(60)).Events);
    }

    [Fact]
    public void Spec_policy_defaults_are_3_days_and_48_hours_and_bad_values_are_named()
    {
        Assert.Equal(TimeSpan.FromDays(3), OrderPolicy.Default.AutoCompleteAfter);
        Assert.Equal(TimeSpan.FromHours(48), OrderPolicy.Default.ExtensionAutoAcceptAfter);
        Assert.Empty(OrderPolicy.Default.Validate());

        var problems = new OrderPolicy(TimeSpan.Zero, TimeSpan.FromHours(-1)).Validate();

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("AutoCompleteAfter must be > 0", problems[0]);
        Assert.StartsWith("ExtensionAutoAcceptAfter must be > 0", problems[1]);
    }
}

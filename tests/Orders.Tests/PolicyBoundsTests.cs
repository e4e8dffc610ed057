using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Orders.Domain;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Tests;

/// <summary>
/// Issue 12, hole 11 in the pure domain: every number and time a request carries is bounded by
/// policy, so nothing accepted overflows a sum or a date later; the policy's own bounds.
/// </summary>
public sealed class PolicyBoundsTests
{
    [Fact]
    public void The_amount_is_bounded_by_the_policy_maximum_inclusive()
    {
        Accepted(Order.Place("ord-1", Buyer, false, PlaceRequest(amountMinor: Policy.MaxAmountMinor), T0, Policy));
        var rejection = Rejected(Order.Place("ord-1", Buyer, false, PlaceRequest(amountMinor: long.MaxValue), T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal("amount.amount_minor must be at most 10000000000 (Orders:MaxAmountMinor) (was 9223372036854775807)", rejection.Message);
        Rejected(Order.Place("ord-1", Buyer, false, PlaceRequest(amountMinor: 1_000), T0, Policy with { MaxAmountMinor = 999 }), RejectionKind.InvalidArgument);
    }

    [Fact]
    public void The_due_time_is_at_most_the_policy_horizon_after_placement()
    {
        var request = PlaceRequest();
        request.DueAt = Timestamp.FromDateTimeOffset(T0 + Policy.MaxDueAfter);
        Accepted(Order.Place("ord-1", Buyer, false, request, T0, Policy));
        request.DueAt = Timestamp.FromDateTimeOffset(T0 + Policy.MaxDueAfter + TimeSpan.FromSeconds(1));

        var rejection = Rejected(Order.Place("ord-1", Buyer, false, request, T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal(
            "due_at 2027-03-01T12:00:01.0000000+00:00 must be at most 365.00:00:00 after the order's creation time "
            + "2026-03-01T12:00:00.0000000+00:00 (Orders:MaxDueAfter)",
            rejection.Message);
    }

    /// <summary>
    /// The attack: the buyer names the due time, so without a floor a buyer places an order due a
    /// minute later, lets it go late and cancels it alone as late, against the seller (SPEC 2).
    /// </summary>
    [Theory]
    [InlineData(60)]
    [InlineData(86_399)]
    public void A_due_time_sooner_than_the_shortest_delivery_time_is_refused(int secondsAfterCreation)
    {
        var request = PlaceRequest();
        request.DueAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(secondsAfterCreation));

        var rejection = Rejected(Order.Place("ord-1", Buyer, false, request, T0, Policy), RejectionKind.InvalidArgument);

        Assert.Equal(
            $"due_at {T0.AddSeconds(secondsAfterCreation):O} must be at least 1.00:00:00 after the order's creation time "
            + "2026-03-01T12:00:00.0000000+00:00 (Orders:MinDueAfter)",
            rejection.Message);
        request.DueAt = Timestamp.FromDateTimeOffset(T0 + Policy.MinDueAfter);
        Assert.Equal(T0.AddDays(1), Accepted(Order.Place("ord-1", Buyer, false, request, T0, Policy)).DueAt);
        request.DueAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(secondsAfterCreation));
        Accepted(Order.Place("ord-1", Buyer, false, request, T0, Policy with { MinDueAfter = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public void Extensions_are_bounded_in_length_and_by_the_horizon_of_the_placement()
    {
        Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(Policy.MaxExtension), T0.AddDays(1), Policy));
        var tooLong = Rejected(InProgress().OpenResolution(Seller, "res-1", Extension(Policy.MaxExtension + TimeSpan.FromTicks(1)), T0.AddDays(1), Policy), RejectionKind.InvalidArgument);
        Assert.StartsWith("extend_by must be at most 30.00:00:00 (Orders:MaxExtension)", tooLong.Message, StringComparison.Ordinal);

        var tight = Policy with { MaxDueAfter = TimeSpan.FromDays(6), MaxExtension = TimeSpan.FromDays(2) };   // due at T0 + 5 days
        Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(1)), T0.AddDays(1), tight));
        var beyond = Rejected(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromDays(1).Add(TimeSpan.FromTicks(1))), T0.AddDays(1), tight), RejectionKind.InvalidArgument);
        Assert.Contains("(Orders:MaxDueAfter; latest 2026-03-07T12:00:00.0000000+00:00)", beyond.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refund_is_at_most_the_amount_and_the_refunded_sum_never_overflows()
    {
        var over = Rejected(InProgress().OpenResolution(Buyer, "res-1", Refund(5_001), T0.AddDays(1), Policy), RejectionKind.InvalidArgument);
        Assert.Equal("refund.amount_minor must be at most the order amount 5000 (was 5001)", over.Message);

        var opened = Accepted(InProgress().OpenResolution(Buyer, "res-1", Refund(4_000), T0.AddDays(1), Policy));
        var refunded = Accepted(opened.RespondToResolution(Seller, "res-1", accept: true, T0.AddDays(1), Policy));
        Rejected(refunded.OpenResolution(Buyer, "res-2", Refund(long.MaxValue), T0.AddDays(1), Policy), RejectionKind.InvalidArgument);
        var reaching = Rejected(refunded.OpenResolution(Buyer, "res-2", Refund(1_000), T0.AddDays(1), Policy), RejectionKind.FailedPrecondition);
        Assert.Contains("a full refund is a cancellation", reaching.Message, StringComparison.Ordinal);
        Accepted(refunded.OpenResolution(Buyer, "res-2", Refund(999), T0.AddDays(1), Policy));
    }

    [Fact]
    public void The_policy_names_each_bad_setting()
    {
        Assert.Empty(Policy.Validate());
        var problems = (Policy with
        {
            PlacedByMistakeWithin = TimeSpan.Zero,
            MaxAmountMinor = OrderPolicy.AmountCeilingMinor + 1,
            MaxDueAfter = TimeSpan.FromDays(4000),
            MinDueAfter = TimeSpan.Zero,
            MaxExtension = TimeSpan.FromDays(5000),
            MaxRevisionsIncluded = -1,
        }).Validate();

        Assert.Equal(
            ["PlacedByMistakeWithin", "MaxAmountMinor", "MaxDueAfter", "MinDueAfter", "MaxExtension", "MaxRevisionsIncluded"],
            problems.Select(p => p[..p.IndexOf(' ', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Each_bad_Orders_setting_is_named_with_its_key()
    {
        var options = new OrdersOptions
        {
            PlacedByMistakeWithin = TimeSpan.FromDays(400),
            MaxAmountMinor = 0,
            MaxDueAfter = TimeSpan.FromDays(10),
            MinDueAfter = TimeSpan.FromDays(11),
            MaxExtension = TimeSpan.FromDays(11),
        };

        var problems = Marketplace.Hosting.Configuration.SectionOptions.Problems(options, OrdersOptions.Section);

        Assert.Equal(
            ["Orders:PlacedByMistakeWithin", "Orders:MaxAmountMinor", "Orders:MinDueAfter", "Orders:MaxExtension"],
            problems.Select(p => p[..p.IndexOf(' ', StringComparison.Ordinal)]));
        Assert.Equal(
            ["Orders:MaxRevisionsIncluded must be a whole number from 0 to 10000"],
            Marketplace.Hosting.Configuration.SectionOptions.Problems(new OrdersOptions { MaxRevisionsIncluded = 10_001 }, OrdersOptions.Section));
        Assert.Equal(
            ["Orders:Currencies must be ISO 4217 codes of three upper-case letters, separated by commas (e.g. USD,EUR)"],
            Marketplace.Hosting.Configuration.SectionOptions.Problems(new OrdersOptions { Currencies = "USD,euro" }, OrdersOptions.Section));
        Assert.NotEmpty(Marketplace.Hosting.Configuration.SectionOptions.Problems(new OrdersOptions { Currencies = " , " }, OrdersOptions.Section));
        Assert.Empty(Marketplace.Hosting.Configuration.SectionOptions.Problems(new OrdersOptions(), OrdersOptions.Section));
        Assert.Equal(OrderPolicy.Default with { }, new OrdersOptions().Policy);
    }
}

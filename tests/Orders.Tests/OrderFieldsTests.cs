using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Xunit;
using static Marketplace.Orders.Tests.Scenario;

namespace Marketplace.Orders.Tests;

/// <summary>The flat hash form of an order: exact round trip, corrupt data named.</summary>
public sealed class OrderFieldsTests
{
    [Fact]
    public void Fields_of_a_cancelled_order_with_a_resolution_round_trip()
    {
        var order = Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromHours(30)), T0.AddDays(1), Policy));
        order = Accepted(order.Cancel(Support, new() { Reason = Contracts.Orders.V1.CancellationReason.TermsViolation, Note = "spam" }, T0.AddDays(2)));

        var fields = OrderFields.ToFields(order).Fields;
        var back = OrderFields.FromFields(fields);

        Assert.Equal("0", fields["cancellation.buyer_unresponsive"]);
        Assert.Equal(TimeSpan.FromHours(30).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["resolution.0.extend_by_ticks"]);
        Assert.Equal(OrderSnapshot.ToMessage(order), OrderSnapshot.ToMessage(back));
        Assert.Equal(order.Cancellation, back.Cancellation);
    }

    [Fact]
    public void Missing_field_is_named()
    {
        var fields = OrderFields.ToFields(Placed()).Fields.Where(f => f.Key != "due_at").ToDictionary();

        var error = Assert.Throws<FormatException>(() => OrderFields.FromFields(fields));

        Assert.Equal("order field 'due_at' is missing", error.Message);
    }

    [Fact]
    public void Bad_value_is_named()
    {
        var fields = OrderFields.ToFields(Placed()).Fields.ToDictionary();
        fields["version"] = "seven";

        var error = Assert.Throws<FormatException>(() => OrderFields.FromFields(fields));

        Assert.Equal("order field 'version' has a bad value 'seven'", error.Message);
    }
}

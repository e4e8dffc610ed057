using Marketplace.Orders.Domain;
using Marketplace.Orders.Store;
using Xunit;
using Order = Marketplace.Orders.Domain.Order;
using static Marketplace.Orders.Tests.Scenario;

namespace Marketplace.Orders.Tests;

/// <summary>The flat hash form of an order: exact round trip, corrupt data named.</summary>
public sealed class OrderFieldsTests
{
    [Fact]
    public void Fields_of_a_cancelled_order_with_a_resolution_round_trip()
    {
        var order = Accepted(InProgress().OpenResolution(Seller, "res-1", Extension(TimeSpan.FromHours(30)), T0.AddDays(1), Policy));
        order = Accepted(order.Cancel(Support, new() { Reason = Contracts.Orders.V1.CancellationReason.TermsViolation, Note = "spam" }, T0.AddDays(2), Policy));

        var fields = OrderFields.ToFields(order).Fields;
        var back = OrderFields.FromFields(fields);

        Assert.Equal("0", fields["cancellation.buyer_unresponsive"]);
        Assert.Equal(TimeSpan.FromHours(30).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), fields["resolution.0.extend_by_ticks"]);
        Assert.Equal(OrderSnapshot.ToMessage(order), OrderSnapshot.ToMessage(back));
        Assert.Equal(order.Cancellation, back.Cancellation);
    }

    [Fact]
    public void The_buyers_seller_account_and_Messagings_marks_per_conversation_round_trip()
    {
        var order = Accepted(Order.Place("ord-1", Buyer, true, PlaceRequest(), T0, Policy))
            .WithBuyerUnresponsiveMarks("conv-b", 2, conversationVersion: 5)!
            .WithBuyerUnresponsiveMarks("conv-a", 1)!
            .WithBuyerAnswered("conv-b", 7)!;

        var fields = OrderFields.ToFields(order).Fields;
        var back = OrderFields.FromFields(fields);

        Assert.Equal("1", fields["buyer_has_seller_account"]);
        Assert.Equal("2", fields["buyer_unresponsive.count"]);
        Assert.Equal("conv-a", fields["buyer_unresponsive.0.conversation"]);
        Assert.Equal("2", fields["buyer_unresponsive.1.marks"]);
        Assert.True(back.BuyerHasSellerAccount);
        Assert.Equal(3, back.BuyerUnresponsiveMarks);
        Assert.Equal(order.BuyerUnresponsiveMarksByConversation, back.BuyerUnresponsiveMarksByConversation);
        Assert.Equal(order.BuyerWaitsByConversation, back.BuyerWaitsByConversation);
        Assert.Equal(new MarkedWait(5, 7), back.BuyerWaitsByConversation["conv-b"]);
        Assert.True(back.BuyerStillUnresponsive); // conv-a's mark is unanswered
        Assert.Equal(OrderSnapshot.ToMessage(order), OrderSnapshot.ToMessage(back));
    }

    [Fact]
    public void A_hash_written_before_the_seller_account_and_marks_were_kept_reads_as_neither()
    {
        var fields = OrderFields.ToFields(Placed()).Fields
            .Where(f => f.Key != "buyer_has_seller_account" && !f.Key.StartsWith("buyer_unresponsive.", StringComparison.Ordinal)).ToDictionary();

        var back = OrderFields.FromFields(fields);

        Assert.False(back.BuyerHasSellerAccount);
        Assert.Equal(0, back.BuyerUnresponsiveMarks);
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

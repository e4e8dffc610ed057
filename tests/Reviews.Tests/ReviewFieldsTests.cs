using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>The flat hash form of a review record: exact round trip, corrupt data named.</summary>
public sealed class ReviewFieldsTests
{
    public static TheoryData<string, ReviewRecord> Records()
    {
        var published = Published();
        var responded = Accepted(published.PostSellerResponse(Seller, "Thanks a lot", T0.AddDays(9)));
        return new()
        {
            { "empty", ReviewRecord.For(Completed()) },
            { "pending", Pending() },
            { "pending without a private rating", Pending() with { BuyerReview = Pending().BuyerReview! with { Ratings = Pending().BuyerReview!.Ratings with { PrivateRating = null } } } },
            { "published", published },
            { "removed after response", Accepted(responded.Remove(Support, "terms", T0.AddDays(10))) },
            { "response removed", Accepted(responded.RemoveSellerResponse(Support, "hostile", T0.AddDays(10))) },
            { "revoked", Accepted(ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "threats", T0.AddDays(9))) },
            { "cancelled order review", Accepted(Submit(Cancelled(), T0.AddDays(9))) },
        };
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Every_record_round_trips_exactly(string _, ReviewRecord record)
    {
        var back = ReviewFields.FromFields(ReviewFields.ToFields(record).Fields);

        Assert.Equal(record, back);
        Assert.Equal(ReviewSnapshot.ToMessage(record), ReviewSnapshot.ToMessage(back));
    }

    [Fact]
    public void A_missing_private_rating_is_stored_as_no_field_not_as_0()
    {
        var pending = Pending();
        var without = pending with { BuyerReview = pending.BuyerReview! with { Ratings = pending.BuyerReview.Ratings with { PrivateRating = null } } };

        Assert.False(ReviewFields.ToFields(without).Fields.ContainsKey("buyer.private_rating"));
        Assert.Equal("9", ReviewFields.ToFields(pending).Fields["buyer.private_rating"]);
    }

    [Fact]
    public void Missing_and_bad_fields_are_named()
    {
        var fields = ReviewFields.ToFields(Pending()).Fields.ToDictionary();
        fields.Remove("buyer.text");
        Assert.Equal("review field 'buyer.text' is missing", Assert.Throws<FormatException>(() => ReviewFields.FromFields(fields)).Message);

        fields = ReviewFields.ToFields(Pending()).Fields.ToDictionary();
        fields["buyer.submitted_at"] = "yesterday";
        Assert.Equal("review field 'buyer.submitted_at' has a bad value 'yesterday'", Assert.Throws<FormatException>(() => ReviewFields.FromFields(fields)).Message);
    }
}

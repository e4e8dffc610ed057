using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Tests;

/// <summary>Pure units of the service: how Orders' facts map to the engine's, and the record's round trip through its hash.</summary>
public sealed class OrderRecordTests
{
    private static readonly ScoringOptions Options = new();

    [Fact]
    public void Every_cancellation_reason_of_orders_maps_to_its_own_engine_reason()
    {
        var reasons = System.Enum.GetValues<Proto.CancellationReason>()
            .Where(r => r is not (Proto.CancellationReason.Unspecified or Proto.CancellationReason.Other))
            .ToList();
        var mapped = reasons.Select(OrderRecord.Reason).ToList();
        Assert.Equal(mapped.Count, mapped.Distinct().Count());
        Assert.DoesNotContain(Engine.CancellationReason.Other, mapped);
    }

    [Fact]
    public void The_reasons_that_do_not_count_against_the_seller_are_those_of_SPEC_2()
    {
        // SPEC 2: buyer unresponsive, placed by mistake / duplicate, missing requirements, support in the
        // seller's favour and fraud chargebacks do not count.
        var notCounting = System.Enum.GetValues<Proto.CancellationReason>()
            .Where(r => !Options.Policy.Cancellations.Counts(new CancellationFacts(DateTimeOffset.UnixEpoch, Engine.CancellationInitiator.Seller, OrderRecord.Reason(r))))
            .Order();
        Assert.Equal(
            [
                Proto.CancellationReason.BuyerUnresponsive, Proto.CancellationReason.PlacedByMistake, Proto.CancellationReason.DuplicateOrder,
                Proto.CancellationReason.MissingRequirements, Proto.CancellationReason.SupportInSellersFavour, Proto.CancellationReason.ChargebackFraud,
            ],
            notCounting);
    }

    [Fact]
    public void A_record_reads_back_from_its_hash_as_it_was_written()
    {
        var order = new TestOrder
        {
            OrderId = "o-1", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1234567),
            DeliveredAfter = TimeSpan.FromDays(9), Disputes = 2,
            Review = new TestReview(4, 3, 5, 2, false, 6, new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero)),
        };
        var snapshot = order.Snapshot(7, OrderState.Completed);
        var record = OrderRecord.Empty
            .WithOrder(snapshot)
            .WithReview(new Review { OrderId = "o-1", Version = 2, Status = ReviewStatus.Published, PublishedAt = Timestamp.FromDateTimeOffset(order.Review.PublishedAt), Ratings = new BuyerRatings { Overall = 4, Communication = 3, Quality = 5, ValueForMoney = 2, PrivateRating = 6 } });
        var fields = record.ToFields().Fields;
        var back = OrderRecord.FromFields(new HashReader("order o-1", fields));

        Assert.Equal(record.ToFacts("o-1", Options.ToUsd), back.ToFacts("o-1", Options.ToUsd));
        Assert.Equal(order.Facts(), back.ToFacts("o-1", Options.ToUsd));
        Assert.Equal(7, back.OrderVersion);
        Assert.Equal(2, back.ReviewVersion);

        // Unset times are left out (the hash is replaced as a whole); the contribution travels with the record.
        Assert.False(fields.ContainsKey("cx_at"));
        Assert.Null(back.CancelledTicks);
        var counted = OrderContribution.From(order.Facts(), Options.Policy, ForwardDecay.LandmarkFor(order.Facts().OutcomeAt!.Value.ToUnixTimeSeconds(), Options.Policy));
        var withContribution = OrderRecord.FromFields(new HashReader("order o-1", (record with { Counted = counted }).ToFields().Fields));
        Assert.Equal(OrderRecord.FormatContribution(counted), OrderRecord.FormatContribution(withContribution.Counted!.Value));
    }

    [Fact]
    public void A_missing_private_rating_and_the_buyers_wait_read_back_as_they_were()
    {
        // SPEC 5.1: no private rating is no private rating (not 0); the wait on an unresponsive buyer is kept.
        var order = new TestOrder
        {
            OrderId = "o-4", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero),
            DeliveredAfter = TimeSpan.FromDays(9), Conversation = (0, 1, TimeSpan.Zero, 0), BuyerWait = TimeSpan.FromHours(30),
            Review = new TestReview(4, 3, 5, 2, true, null, new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero)),
        };
        var record = OrderRecord.Empty;
        foreach (var (payload, _) in order.Events())
        {
            record = payload switch
            {
                OrderCompleted completed => record.WithOrder(completed.Order),
                ReviewPublished published => record.WithReview(published.Review),
                Contracts.Messaging.V1.MessageSent sent => record.WithConversation(sent.Conversation),
                _ => record,
            };
        }

        var fields = record.ToFields().Fields;
        var back = OrderRecord.FromFields(new HashReader("order o-4", fields));
        Assert.False(fields.ContainsKey("r_p"));
        Assert.Null(back.ToFacts("o-4", Options.ToUsd)!.PrivateRating);
        Assert.Equal(TimeSpan.FromHours(30), back.ToFacts("o-4", Options.ToUsd)!.BuyerUnresponsiveWait);
        Assert.Equal(order.Facts(), back.ToFacts("o-4", Options.ToUsd));
    }

    [Fact]
    public void A_corrupt_field_is_reported_by_record_and_field()
    {
        var fields = OrderRecord.Empty.WithOrder(new TestOrder
        {
            OrderId = "o-3", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero),
        }.Snapshot(2, OrderState.Placed)).ToFields().Fields.ToDictionary(StringComparer.Ordinal);
        fields["amt"] = "12,000";

        var e = Assert.Throws<FormatException>(() => OrderRecord.FromFields(new HashReader("scoring order o-3", fields)));
        Assert.Equal("scoring order o-3 field 'amt' has a bad value '12,000'", e.Message);
    }

    [Fact]
    public void Revisions_and_partial_refunds_are_not_penalties()
    {
        // SPEC 5.1: revisions, extensions and partial refunds count only through what the buyer says.
        var order = new TestOrder { OrderId = "o-2", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), DeliveredAfter = TimeSpan.FromDays(5) };
        var plain = order.Snapshot(4, OrderState.Completed);
        var revised = plain.Clone();
        revised.RevisionCount = 3;
        revised.RevisionsBeyondIncluded = 2;
        revised.RevisionsDeclined = 1;
        revised.DeliveryCount = 4;
        revised.Refunded = new Money { CurrencyCode = "USD", AmountMinor = 5_000 };

        Assert.Equal(OrderRecord.Empty.WithOrder(plain).ToFacts("o-2", Options.ToUsd), OrderRecord.Empty.WithOrder(revised).ToFacts("o-2", Options.ToUsd));
    }

    [Fact]
    public void A_hash_packed_by_a_read_script_reads_as_the_same_fields_empty_values_included()
    {
        var fields = new[] { ("band", "3"), ("cat", "logo-design"), ("note", ""), ("rev", "12"), ("last", "") };
        string packed = string.Join('\0', fields.SelectMany(f => new[] { f.Item1, f.Item2 }));

        var reader = HashReader.FromPacked("scoring gig g-1", packed);

        Assert.All(fields, f => Assert.Equal(f.Item2, reader.String(f.Item1)));
        Assert.Equal(12, reader.Long("rev"));
        Assert.True(HashReader.FromPacked("scoring gig g-2", "").IsEmpty);
    }

    [Fact]
    public void A_packed_hash_cut_after_a_name_is_refused_naming_the_record()
    {
        var e = Assert.Throws<FormatException>(() => HashReader.FromPacked("scoring gig g-3", "band\u00003\u0000cat"));
        Assert.Contains("scoring gig g-3", e.Message, StringComparison.Ordinal);
    }
}

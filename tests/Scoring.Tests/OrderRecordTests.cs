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

        // One field holds the record (the hash is replaced as a whole); unset times read back unset; the contribution travels with the record.
        Assert.Equal([OrderRecord.RecordField], fields.Keys);
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
        var record = RecordOf(order);

        var fields = record.ToFields().Fields;
        var back = OrderRecord.FromFields(new HashReader("order o-4", fields));
        Assert.Null(back.Ratings!.HasPrivateRating ? back.Ratings.PrivateRating : null);
        Assert.Null(back.ToFacts("o-4", Options.ToUsd)!.PrivateRating);
        Assert.Equal(TimeSpan.FromHours(30), back.ToFacts("o-4", Options.ToUsd)!.BuyerUnresponsiveWait);
        Assert.Equal(order.Facts(), back.ToFacts("o-4", Options.ToUsd));
    }

    [Fact]
    public void A_corrupt_field_is_reported_by_record_and_field()
    {
        string packed = OrderRecord.Empty.WithOrder(new TestOrder
        {
            OrderId = "o-3", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero),
        }.Snapshot(2, OrderState.Placed)).ToFields().Fields[OrderRecord.RecordField].Replace("\u001f12e3\u001f", "\u001f12,000\u001f", StringComparison.Ordinal);
        var fields = new Dictionary<string, string> { [OrderRecord.RecordField] = packed };

        var e = Assert.Throws<FormatException>(() => OrderRecord.FromFields(new HashReader("scoring order o-3", fields)));
        Assert.Equal("scoring order o-3 field 'amt' has a bad value '12,000'", e.Message);
    }

    [Fact]
    public void A_record_packed_by_the_rebuilds_read_script_reads_as_the_same_record_as_its_hash()
    {
        // The rebuild reads a million records packed into one string each (OrderRecord.FromPacked):
        // every part, optional times, a private rating or none, a cancellation and the counted contribution.
        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var records = new List<OrderRecord> { OrderRecord.Empty };
        var reviewed = new TestOrder
        {
            OrderId = "o-1", GigId = "g-1", SellerId = "s-1", CreatedAt = start.AddTicks(1234567), DeliveredAfter = TimeSpan.FromDays(9), Disputes = 2,
            Conversation = (1, 3, TimeSpan.FromHours(7), 0), BuyerWait = TimeSpan.FromHours(30),
            Review = new TestReview(4, 3, 5, 2, true, 6, start.AddDays(14)),
        };
        var record = OrderRecord.Empty;
        foreach (var (payload, _) in reviewed.Events())
        {
            record = payload switch
            {
                OrderPlaced placed => record.WithOrder(placed.Order),
                OrderCompleted completed => record.WithOrder(completed.Order),
                ReviewPublished published => record.WithReview(published.Review),
                Contracts.Messaging.V1.MessageSent sent => record.WithConversation(sent.Conversation),
                _ => record,
            };
            records.Add(record);
        }

        var facts = reviewed.Facts();
        records.Add(record with { Counted = OrderContribution.From(facts, Options.Policy, ForwardDecay.LandmarkFor(facts.OutcomeAt!.Value.ToUnixTimeSeconds(), Options.Policy)) });
        records.Add(record with { Ratings = new BuyerRatings { Overall = 2, Communication = 1, Quality = 2, ValueForMoney = 1, WouldRecommend = false } });
        var cancelled = new TestOrder { OrderId = "o-2", GigId = "g-1", SellerId = "s-1", CreatedAt = start, Cancelled = (Proto.CancellationInitiator.Seller, Proto.CancellationReason.LateDelivery, false) }.Snapshot(3, OrderState.Cancelled);
        records.Add(OrderRecord.Empty.WithOrder(cancelled));
        records.Add(OrderRecord.Empty.WithReview(new Review { OrderId = "o-3", Version = 1, Status = ReviewStatus.Removed }));

        foreach (var written in records)
        {
            var fields = written.ToFields().Fields;
            string packed = string.Join('\0', fields.SelectMany(f => new[] { f.Key, f.Value }));
            var fromHash = OrderRecord.FromFields(new HashReader("scoring order o-1", fields));
            var fromPacked = OrderRecord.FromPacked("scoring order o-1", packed);
            Assert.Equal(fromHash with { Counted = null }, fromPacked with { Counted = null });
            Assert.Equal(fromHash.Counted is { } c ? OrderRecord.FormatContribution(c) : null, fromPacked.Counted is { } p ? OrderRecord.FormatContribution(p) : null);
            Assert.Equal(written.ToFields().Fields.OrderBy(f => f.Key, StringComparer.Ordinal), fromPacked.ToFields().Fields.OrderBy(f => f.Key, StringComparer.Ordinal));

            // A hash of the earlier layout (a field per fact) reads as the same record.
            var legacy = OrderRecord.FromFields(new HashReader("scoring order o-1", LegacyOrderLayout.Fields(written)));
            Assert.Equal(fromHash with { Counted = null }, legacy with { Counted = null });
            Assert.Equal(written.ToFields().Fields.OrderBy(f => f.Key, StringComparer.Ordinal), legacy.ToFields().Fields.OrderBy(f => f.Key, StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("3\u001f1", "is not a packed record of format 1 or 2")]
    [InlineData("1\u001f7\u001fg-1", "ends before field 'seller'")]
    [InlineData("", "is not a packed record of format 1")]
    public void A_corrupt_packed_record_is_refused_naming_the_record(string packed, string error)
    {
        var e = Assert.Throws<FormatException>(() => OrderRecord.FromFields(new HashReader("scoring order o-9", new Dictionary<string, string> { [OrderRecord.RecordField] = packed })));
        Assert.Contains("scoring order o-9 field 'r'", e.Message, StringComparison.Ordinal);
        Assert.Contains(error, e.Message, StringComparison.Ordinal);

        string tooLong = OrderRecord.Empty.WithReview(new Review { OrderId = "o-9", Version = 1, Status = ReviewStatus.Removed }).Pack() + "\u001f5";
        Assert.Contains("has more fields than its format", Assert.Throws<FormatException>(() => OrderRecord.FromPacked("scoring order o-9", "r\0" + tooLong)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_missing_a_required_field_or_holding_a_bad_number_is_refused_naming_the_record_and_the_field()
    {
        var fields = LegacyOrderLayout.Fields(OrderRecord.Empty.WithOrder(new TestOrder
        {
            OrderId = "o-5", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero),
        }.Snapshot(2, OrderState.Placed)));
        string Pack(Dictionary<string, string> f) => string.Join('\0', f.SelectMany(e => new[] { e.Key, e.Value }));

        var withoutSeller = new Dictionary<string, string>(fields, StringComparer.Ordinal);
        withoutSeller.Remove("seller");
        Assert.Equal("scoring order o-5 field 'seller' is missing",
            Assert.Throws<FormatException>(() => OrderRecord.FromFields(new HashReader("scoring order o-5", withoutSeller))).Message);
        Assert.Equal("scoring order o-5 field 'seller' is missing",
            Assert.Throws<FormatException>(() => OrderRecord.FromPacked("scoring order o-5", Pack(withoutSeller))).Message);

        var hugeState = new Dictionary<string, string>(fields, StringComparer.Ordinal) { ["state"] = "99999999999" };
        Assert.Equal("scoring order o-5 field 'state' has a bad value '99999999999'",
            Assert.Throws<FormatException>(() => OrderRecord.FromPacked("scoring order o-5", Pack(hugeState))).Message);

        // Without its version field a part is absent as a whole, whatever else is there.
        var noVersion = new Dictionary<string, string>(fields, StringComparer.Ordinal);
        noVersion.Remove("ov");
        Assert.False(OrderRecord.FromPacked("scoring order o-5", Pack(noVersion)).HasOrder);
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
    public void A_record_packed_in_format_1_all_digits_reads_as_the_same_record()
    {
        // Records written before 2026-12-03 are format 1: every number in digits.
        var order = new TestOrder
        {
            OrderId = "o-7", GigId = "g-1", SellerId = "s-1", CreatedAt = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero),
            DeliveredAfter = TimeSpan.FromDays(2), Conversation = (0, 1, TimeSpan.FromHours(3), 2), BuyerWait = TimeSpan.FromHours(30),
            Review = new TestReview(5, 4, 5, 5, true, 9, new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero)),
        };
        var record = RecordOf(order);

        string packed = record.Pack();
        Assert.Contains(packed.Split('\u001f'), v => v.Contains('e', StringComparison.Ordinal) && char.IsAsciiDigit(v[0]));
        string digits = LegacyOrderLayout.PackedFormat1(packed);

        var back = OrderRecord.FromFields(new HashReader("scoring order o-7", new Dictionary<string, string> { [OrderRecord.RecordField] = digits }));

        Assert.Equal(record, back);
        Assert.Equal(packed, back.Pack());
        Assert.True(packed.Length + 30 < digits.Length, $"format 2 '{packed}' ({packed.Length}) against format 1 ({digits.Length})");
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(7L, "7")]
    [InlineData(100L, "100")]
    [InlineData(12_000L, "12e3")]
    [InlineData(-5_000L, "-5e3")]
    [InlineData(638_802_558_000_000_000L, "638802558e9")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    [InlineData(9_000_000_000_000_000_000L, "9e18")]
    public void A_number_is_written_with_its_trailing_zeros_as_an_exponent_and_read_back(long value, string text)
    {
        Assert.Equal(text, OrderRecord.FormatNumber(value));
        Assert.True(OrderRecord.TryParseNumber(text, out long back));
        Assert.Equal(value, back);
    }

    [Theory]
    [InlineData("1e19")]
    [InlineData("10e18")]
    [InlineData("-93e17")]
    [InlineData("e3")]
    [InlineData("5e")]
    [InlineData("5e-1")]
    [InlineData("5e+1")]
    [InlineData("5e1e1")]
    [InlineData("1.5e3")]
    [InlineData(" 5")]
    public void A_number_out_of_range_or_malformed_is_refused(string text) =>
        Assert.False(OrderRecord.TryParseNumber(text, out _));

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

    /// <summary>The record an order's completed, review and message events build, in their order.</summary>
    private static OrderRecord RecordOf(TestOrder order)
    {
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

        return record;
    }
}

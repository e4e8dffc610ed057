using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The text an order's contribution is stored as (<see cref="OrderRecord.FormatContribution"/>): the
/// compact form for every contribution the engine makes, the 16 integers for any other, both read
/// back exactly, and malformed text refused naming what is wrong. A contribution read back wrong
/// would subtract the wrong amount from its Gig's sums at the order's next change.
/// </summary>
public sealed class ContributionTextTests
{
    private static readonly ScoringOptions Options = new();
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Orders() => new(OrderCases().Keys);

    [Theory]
    [MemberData(nameof(Orders))]
    public void An_engine_contribution_is_written_compact_and_reads_back_exactly(string name)
    {
        var facts = OrderCases()[name].Facts();
        long landmark = ForwardDecay.LandmarkFor((facts.OutcomeAt ?? Start).ToUnixTimeSeconds(), Options.Policy);
        var contribution = OrderContribution.From(facts, Options.Policy, landmark);

        string text = OrderRecord.FormatContribution(contribution);
        var back = OrderRecord.ParseContribution(text);

        Assert.Equal(contribution, back);
        Assert.Equal(contribution.ToFields(), back.ToFields());
        // Five numbers and one per area the order has: never the 16 of the long form.
        int areas = System.Numerics.BitOperations.PopCount(contribution.ApplicableMask);
        Assert.Equal(5 + areas, text.Split(',').Length);
        Assert.Equal(contribution.Included, areas > 0);
    }

    [Fact]
    public void The_compact_form_is_shorter_than_the_sixteen_integers_and_under_half_for_an_order_without_fault()
    {
        foreach (var (name, order) in OrderCases())
        {
            var facts = order.Facts();
            var contribution = OrderContribution.From(facts, Options.Policy, ForwardDecay.LandmarkFor((facts.OutcomeAt ?? Start).ToUnixTimeSeconds(), Options.Policy));

            string compact = OrderRecord.FormatContribution(contribution);
            string sixteen = string.Join(',', contribution.ToFields());

            Assert.True(compact.Length < sixteen.Length, $"{name}: compact '{compact}' against '{sixteen}'");
            if (name == "perfect")
            {
                // Every index 1: the shortfalls are all 0.
                Assert.True(compact.Length * 2 < sixteen.Length, $"compact '{compact}' ({compact.Length}) against '{sixteen}' ({sixteen.Length})");
            }
        }
    }

    [Fact]
    public void Contributions_stored_as_sixteen_integers_before_read_back_the_same()
    {
        // Hashes written before 2026-12-03 hold the 16 integers (OrderContribution.ToFields).
        foreach (var order in OrderCases().Values)
        {
            var facts = order.Facts();
            var contribution = OrderContribution.From(facts, Options.Policy, ForwardDecay.LandmarkFor((facts.OutcomeAt ?? Start).ToUnixTimeSeconds(), Options.Policy));

            var back = OrderRecord.ParseContribution(string.Join(',', contribution.ToFields()));

            Assert.Equal(contribution, back);
            Assert.Equal(OrderRecord.FormatContribution(contribution), OrderRecord.FormatContribution(back));
        }
    }

    [Fact]
    public void Any_consistent_contribution_reads_back_exactly_whichever_form_it_is_written_in()
    {
        // Shapes the engine does not make today (areas of different weights) keep the long form.
        var random = new Random(20261203);
        int compact = 0, sixteen = 0;
        for (int i = 0; i < 2_000; i++)
        {
            var fields = new long[OrderContribution.FieldCount];
            fields[0] = random.Next(2) == 0 ? long.MinValue : random.NextInt64(0, 4_000_000_000);
            fields[1] = random.NextInt64(-1, 4_000_000_000);
            long mask = random.Next(1 << Areas.Count);
            fields[2] = mask == 0 ? random.Next(2) : 1;
            fields[3] = mask;
            long units = random.Next(4) == 0 ? long.MaxValue : random.NextInt64(0, 1L << 50);
            bool uniform = random.Next(2) == 0;
            for (int area = 0; area < Areas.Count; area++)
            {
                if ((mask & (1L << area)) == 0)
                {
                    continue;
                }

                long weight = uniform ? units : random.NextInt64(0, 1L << 50);
                fields[4 + area] = weight;
                fields[4 + Areas.Count + area] = random.Next(3) switch { 0 => weight, 1 => 0, _ => random.NextInt64(0, weight) };
            }

            var contribution = OrderContribution.FromFields(fields);
            string text = OrderRecord.FormatContribution(contribution);
            var back = OrderRecord.ParseContribution(text);

            Assert.Equal(fields, back.ToFields());
            if (text.Split(',').Length == OrderContribution.FieldCount)
            {
                sixteen++;
            }
            else
            {
                compact++;
            }
        }

        // Both forms were exercised: every uniform one compact, most others long.
        Assert.True(compact > 900, $"{compact} compact");
        Assert.True(sixteen > 300, $"{sixteen} as 16 integers");
    }

    [Theory]
    [InlineData("1745177400,1702252800,1,63,100,0,0,0,0,0", "5 and one per area of its mask")]
    [InlineData("1745177400,1702252800,1,3,100,0,0,7", "5 and one per area of its mask")]
    [InlineData("1745177400,1702252800,1,1", "5 and one per area of its mask")]
    [InlineData("1745177400,1702252800,1,64,100", "5 and one per area of its mask")]
    [InlineData("1745177400,1702252800,0,0,100", "without areas has no weight")]
    [InlineData("1745177400,1702252800,1,1,100,101", "inconsistent")]
    [InlineData("1745177400,1702252800,1,1,100,-1", "inconsistent")]
    [InlineData("1745177400,1702252800,1,1,-5,0", "inconsistent")]
    [InlineData("1745177400,1702252800,1,1,5,-9223372036854775808", "inconsistent")]
    [InlineData("1745177400,1702252800,2,1,100,0", "'included' must be 0 or 1")]
    [InlineData("1745177400,1702252800,1,1,1x0,0", "bad number '1x0'")]
    [InlineData("1745177400,,1,1,100,0", "bad number ''")]
    [InlineData("0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0", "at most 16 numbers")]
    public void A_malformed_contribution_is_refused_saying_what_is_wrong(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => OrderRecord.ParseContribution(text));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, TestOrder> OrderCases() => new()
    {
        ["reviewed"] = new TestOrder
        {
            OrderId = "o-1", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, DeliveredAfter = TimeSpan.FromDays(9), Disputes = 1,
            Conversation = (1, 0, TimeSpan.FromHours(7), 2), Review = new TestReview(4, 3, 5, 2, true, 6, Start.AddDays(14)),
        },
        ["on time, no review"] = new TestOrder { OrderId = "o-2", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, DeliveredAfter = TimeSpan.FromDays(2) },
        ["perfect"] = new TestOrder
        {
            OrderId = "o-3", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, DeliveredAfter = TimeSpan.FromDays(1),
            Conversation = (0, 0, TimeSpan.FromMinutes(30), 1), Review = new TestReview(5, 5, 5, 5, true, 10, Start.AddDays(3)),
        },
        ["cancelled by the seller"] = new TestOrder
        {
            OrderId = "o-4", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, Completed = false,
            Cancelled = (Proto.CancellationInitiator.Seller, Proto.CancellationReason.LateDelivery, false),
        },
        ["cancelled, not counted"] = new TestOrder
        {
            OrderId = "o-5", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, Completed = false,
            Cancelled = (Proto.CancellationInitiator.Buyer, Proto.CancellationReason.PlacedByMistake, false),
        },
        ["running"] = new TestOrder { OrderId = "o-6", GigId = "g-1", SellerId = "s-1", CreatedAt = Start, Completed = false },
    };
}

using FsCheck;
using FsCheck.Fluent;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>SPEC 3: response rate = buyer-opened conversations answered within 24 h, last 90 days.</summary>
public sealed class ResponseRateTests
{
    private static readonly DateTimeOffset Now = T0.AddDays(100);

    private static Conversation Opened(DateTimeOffset at, TimeSpan? replyAfter, string seller = "s-1")
    {
        var c = Accepted(Conversation.Start("conv", NextMessageId(), Buyer, seller, "", "hi, a question", [], at));
        return replyAfter is { } after ? Accepted(c.Send(Actor.Seller(seller), NextMessageId(), "answer", [], at + after)) : c;
    }

    [Fact]
    public void Spec3_rate_counts_buyer_opened_conversations_answered_within_24h_in_the_last_90_days()
    {
        var conversations = new[]
        {
            Opened(Now.AddDays(-10), TimeSpan.FromHours(2)),
            Opened(Now.AddDays(-20), TimeSpan.FromHours(24)),
            Opened(Now.AddDays(-30), TimeSpan.FromHours(25)),
            Opened(Now.AddDays(-40), null),
            Opened(Now.AddDays(-91), TimeSpan.FromHours(1)),
            Opened(Now.AddDays(-5), TimeSpan.FromHours(1), seller: "s-2"),
            Accepted(Conversation.Start("conv", NextMessageId(), Seller, "b-9", "", "hello buyer", [], Now.AddDays(-3))),
        };

        var stats = ResponseRate.Compute("s-1", conversations, Now, Policy);

        Assert.Equal(4, stats.BuyerOpenedConversations);
        Assert.Equal(2, stats.AnsweredWithinWindow);
        Assert.Equal(0.5, stats.ResponseRate);
        Assert.Equal(TimeSpan.FromHours(2 + 24 + 25) / 3, stats.MeanResponseTime.ToTimeSpan());
        Assert.Equal(Now.AddDays(-90), stats.WindowStart.ToDateTimeOffset());
    }

    [Fact]
    public void Spec3_a_fresh_unanswered_conversation_is_not_counted_yet()
    {
        var stats = ResponseRate.Compute("s-1", [Opened(Now.AddHours(-3), null)], Now, Policy);

        Assert.Equal(0, stats.BuyerOpenedConversations);
        Assert.False(stats.HasResponseRate);
        Assert.Null(stats.MeanResponseTime);
    }

    [Fact]
    public void Spec3_rate_is_the_answered_share_for_any_mix()
    {
        var gen = Gen.ListOf(Gen.Zip(Gen.Choose(2, 89), Gen.Choose(0, 60)), 30);

        Check.One(PropertyConfig.Fixed(200), Prop.ForAll(Arb.From(gen), cases =>
        {
            var conversations = cases.Select(c => Opened(Now.AddDays(-c.Item1), c.Item2 == 0 ? null : TimeSpan.FromHours(c.Item2))).ToList();
            var expectedAnswered = cases.Count(c => c.Item2 is > 0 and <= 24);

            var stats = ResponseRate.Compute("s-1", conversations, Now, Policy);

            Assert.Equal(cases.Count, stats.BuyerOpenedConversations);
            Assert.Equal(expectedAnswered, stats.AnsweredWithinWindow);
            Assert.Equal(cases.Count > 0, stats.HasResponseRate);
            if (cases.Count > 0)
            {
                Assert.Equal((double)expectedAnswered / cases.Count, stats.ResponseRate, 12);
            }
        }));
    }

    [Fact]
    public void Spec3_a_reply_after_the_evaluation_time_is_not_counted_yet()
    {
        var c = Opened(Now.AddDays(-2), TimeSpan.FromHours(2));

        var before = ResponseRate.Compute("s-1", [c], Now.AddDays(-2).AddHours(1), Policy);
        var after = ResponseRate.Compute("s-1", [c], Now, Policy);

        Assert.Equal(0, before.BuyerOpenedConversations);
        Assert.Equal(1, after.AnsweredWithinWindow);
    }

    [Fact]
    public void Spec3_the_figures_change_with_time_when_a_question_goes_unanswered_past_its_window_and_when_a_conversation_leaves_the_period()
    {
        var open = ResponseFacts.Of(Opened(Now.AddHours(-3), null));
        var answered = ResponseFacts.Of(Opened(Now.AddDays(-80), TimeSpan.FromHours(1)));

        Assert.Equal(Now.AddHours(21).AddTicks(1), ResponseRate.NextChange([open, answered], Now, Policy));
        Assert.Equal(Now.AddDays(10).AddTicks(1), ResponseRate.NextChange([answered], Now, Policy));
        Assert.Null(ResponseRate.NextChange([], Now, Policy));

        var atChange = Now.AddHours(21).AddTicks(1);
        Assert.Equal(1, ResponseRate.Compute("s-1", [open, answered], atChange.AddTicks(-1), Policy).BuyerOpenedConversations);
        Assert.Equal(2, ResponseRate.Compute("s-1", [open, answered], atChange, Policy).BuyerOpenedConversations);
        Assert.True(ResponseRate.LeftPeriod(answered, Now.AddDays(10).AddTicks(1), Policy));
        Assert.False(ResponseRate.LeftPeriod(answered, Now.AddDays(10), Policy));
    }

    [Fact]
    public void Spec3_same_figures_ignore_the_evaluation_time()
    {
        var c = Opened(Now.AddDays(-10), TimeSpan.FromHours(2));

        var a = ResponseRate.Compute("s-1", [c], Now, Policy);
        var b = ResponseRate.Compute("s-1", [c], Now.AddHours(1), Policy);

        Assert.NotEqual(a, b);
        Assert.True(ResponseRate.SameFigures(a, b));
        Assert.False(ResponseRate.SameFigures(a, ResponseRate.None("s-1")));
        Assert.True(ResponseRate.SameFigures(ResponseRate.Compute("s-1", Array.Empty<ResponseFacts>(), Now, Policy), ResponseRate.None("s-1")));
    }
}

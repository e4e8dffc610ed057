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

    /// <summary>
    /// The facts of conversations opened in order, each classified as the store does when it starts
    /// (<see cref="ResponseRate.IsFollowUp"/> against those before it).
    /// </summary>
    private static List<ResponseFacts> OpenedInOrder(params (string Buyer, DateTimeOffset At, TimeSpan? ReplyAfter)[] conversations)
    {
        var facts = new List<ResponseFacts>();
        foreach (var (buyer, at, replyAfter) in conversations)
        {
            var c = Accepted(Conversation.Start("conv", NextMessageId(), Actor.Buyer(buyer), "s-1", "", "a question", [], at));
            c = c with { FollowUpInquiry = ResponseRate.IsFollowUp(buyer, at, facts, Policy) };
            c = replyAfter is { } after ? Accepted(c.Send(Actor.Seller("s-1"), NextMessageId(), "answer", [], at + after)) : c;
            facts.Add(ResponseFacts.Of(c));
        }

        return facts;
    }

    /// <summary>
    /// The attack: while the seller is away for a day, one hostile buyer opens twenty conversations.
    /// Each one counted would take the seller from 100 % to 5 % and out of every level (90 % needed);
    /// as the same inquiry asked again, they count once.
    /// </summary>
    [Fact]
    public void Attack_one_buyer_opening_many_conversations_while_the_first_waits_counts_once()
    {
        var away = Now.AddDays(-5);
        var conversations = Enumerable.Range(0, 20).Select(i => ("b-hostile", away.AddMinutes(30 * i), (TimeSpan?)null))
            .Append(("b-2", Now.AddDays(-20), TimeSpan.FromHours(1)))
            .Append(("b-3", Now.AddDays(-10), TimeSpan.FromHours(2)))
            .ToArray();

        var facts = OpenedInOrder(conversations);
        var stats = ResponseRate.Compute("s-1", facts, Now, Policy);

        Assert.Equal(19, facts.Count(f => f.FollowUp));
        Assert.Equal(3, stats.BuyerOpenedConversations);
        Assert.Equal(2, stats.AnsweredWithinWindow);
    }

    [Fact]
    public void A_buyers_new_question_counts_once_the_earlier_one_was_answered_or_its_window_passed_and_other_buyers_are_apart()
    {
        var t = Now.AddDays(-10);
        var facts = OpenedInOrder(
            ("b-1", t, TimeSpan.FromHours(2)),                     // an inquiry, answered after 2 h
            ("b-1", t.AddHours(1), null),                          // asked again while it waited: a follow-up
            ("b-1", t.AddHours(3), null),                          // after the answer: a new inquiry
            ("b-1", t.AddHours(20), null),                         // while that one waits: a follow-up
            ("b-1", t.AddHours(27).AddTicks(1), null),             // after its window: a new inquiry
            ("b-2", t.AddHours(1), TimeSpan.FromHours(30)));       // another buyer: an inquiry of their own

        Assert.Equal([false, true, false, true, false, false], facts.Select(f => f.FollowUp));
        var stats = ResponseRate.Compute("s-1", facts, Now, Policy);
        Assert.Equal(4, stats.BuyerOpenedConversations);
        Assert.Equal(1, stats.AnsweredWithinWindow);
    }

    [Fact]
    public void Follow_ups_anchor_nothing_so_a_buyer_who_keeps_asking_counts_once_per_window()
    {
        var t = Now.AddDays(-10);
        var facts = OpenedInOrder(("b-1", t, null), ("b-1", t.AddHours(20), null), ("b-1", t.AddHours(40), null), ("b-1", t.AddHours(60), null));

        Assert.Equal([false, true, false, true], facts.Select(f => f.FollowUp));
        Assert.Equal(2, ResponseRate.Compute("s-1", facts, Now, Policy).BuyerOpenedConversations);
    }

    [Fact]
    public void Facts_stored_before_follow_ups_were_told_apart_anchor_nothing_and_a_follow_up_has_no_window_of_its_own()
    {
        var old = new ResponseFacts(Now.AddHours(-2), BuyerOpened: true, FirstSellerReplyAt: null, SellerReplyCount: 0, TotalSellerResponseTime: TimeSpan.Zero);
        Assert.False(ResponseRate.IsFollowUp("b-1", Now, [old], Policy));
        Assert.False(ResponseRate.IsFollowUp("", Now, [old with { BuyerId = "" }], Policy));

        var followUp = new ResponseFacts(Now.AddHours(-1), true, null, 0, TimeSpan.Zero, "b-1", FollowUp: true);
        Assert.Equal(followUp.StartedAt.AddDays(90).AddTicks(1), ResponseRate.NextChange([followUp], Now, Policy)); // leaving the period, no window end
        Assert.Equal(Now.AddHours(23).AddTicks(1), ResponseRate.NextChange([followUp with { FollowUp = false }], Now, Policy));
    }
}

using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Time;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Scoring.Store;
using Xunit;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.EndToEnd.Tests;

/// <summary>
/// The four services as separate processes on the platform's simulated clock (docs/clock.md),
/// which only the test's driver moves: one advance of 20 days makes each process do what came
/// due on the way, at its own due time and in order — Messaging marks the silent buyer at 24 h,
/// Orders auto-completes the delivered order 3 days after delivery, Reviews closes the review
/// window opened by that completion 14 days later, Scoring runs its daily evaluation every day.
/// </summary>
public sealed class SimulatedClockProcessTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private Platform _platform = null!;

    public async Task InitializeAsync() => _platform = await Platform.StartAsync(simulatedClockAt: Start);

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private static DateTimeOffset Day(double day) => Start + TimeSpan.FromDays(day);

    [Fact]
    public async Task One_advance_of_20_days_runs_every_service_s_due_work_at_its_own_time()
    {
        var clock = PlatformClock.Driver(_platform.Redis.Admin, TimeSpan.FromSeconds(60));
        using var client = _platform.Client();
        var buyer = As(client.Bearer("buyer-p", CallerRole.Buyer));
        var seller = As(client.Bearer("seller-p", CallerRole.Seller));
        var support = As(client.Bearer("support-p", CallerRole.Support));

        var order = await client.Orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place",
            GigId = "gig-p",
            SellerId = "seller-p",
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 9_000 },
            DueAt = Timestamp.FromDateTimeOffset(Day(5)),
        }, buyer);
        Assert.Equal(Start, order.CreatedAt.ToDateTimeOffset()); // Orders reads the simulated clock
        await clock.SettleAsync(); // Messaging has heard of the order
        var asked = await client.Messaging.StartConversationAsync(new StartConversationRequest
        {
            RequestId = "ask", OrderId = order.OrderId, CounterpartId = "buyer-p", Text = "Which colours should I use?", NeedsBuyerInput = true,
        }, seller);
        Assert.Equal(Start, asked.StartedAt.ToDateTimeOffset()); // and so does Messaging

        // Day 1: the silent buyer is marked; the buyer answers, the seller works and delivers.
        await clock.AdvanceToAsync(Day(1));
        await client.Orders.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = "req", OrderId = order.OrderId, Requirements = "Navy." }, buyer);
        await client.Orders.StartWorkAsync(new StartWorkRequest { RequestId = "start", OrderId = order.OrderId }, seller);
        var delivered = await client.Orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = "deliver", OrderId = order.OrderId, Message = "Done." }, seller);
        Assert.Equal(Day(4), delivered.AutoCompleteAt.ToDateTimeOffset());

        var advance = await clock.AdvanceToAsync(Day(20));
        Assert.Equal(Day(20), advance.Now);

        var marked = Assert.Single(await EventsAsync(BuyerUnresponsiveMarked.Descriptor, BuyerUnresponsiveMarked.Parser));
        Assert.Equal(Day(1), marked.MarkedAt.ToDateTimeOffset());

        var completed = await client.Orders.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, support);
        Assert.Equal(OrderState.Completed, completed.State);
        Assert.True(completed.AutoCompleted);
        Assert.Equal(Day(4), completed.CompletedAt.ToDateTimeOffset());

        var closed = Assert.Single(await EventsAsync(ReviewWindowClosed.Descriptor, ReviewWindowClosed.Parser));
        Assert.Equal(ReviewWindowCloseReason.Ended, closed.Reason);
        Assert.Equal(Day(4 + 14), closed.ClosedAt.ToDateTimeOffset());

        // Scoring's daily evaluation ran on each of the 20 days, the last one at day 20.
        var lastRun = (long)await _platform.Db.HashGetAsync(ScoringKeys.Evaluation, "last_run");
        Assert.Equal(Day(20), DateTimeOffset.FromUnixTimeMilliseconds(lastRun));
        var level = await client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = "seller-p" }, support);
        Assert.Equal(Day(20), level.EvaluatedAt.ToDateTimeOffset());
        Assert.True(advance.Steps >= 20, $"the clock stopped {advance.Steps} times; 19 daily evaluations, a completion and a window's end lie on the way");

        // Every service's loops have caught up with the last round (the driver waited for each of them).
        var loops = await _platform.Db.HashGetAllAsync(ClockKeys.Loops);
        Assert.Equal(
            ["messaging/ResponseStatsLoop", "messaging/UnresponsiveLoop", "orders/OrderTimerLoop", "reviews/PublicationLoop", "reviews/WindowEndLoop",
                "scoring/DailyEvaluation", "scoring/SellerEvaluationLoop"],
            loops.Select(l => (string)l.Name!).Order(StringComparer.Ordinal));
    }

    private async Task<IReadOnlyList<T>> EventsAsync<T>(Google.Protobuf.Reflection.MessageDescriptor payload, Google.Protobuf.MessageParser<T> parser)
        where T : Google.Protobuf.IMessage<T>
    {
        string type = PlatformEvents.TypeOf(payload);
        string topic = PlatformEvents.Catalogue.Get(type).Topic;
        return (await TopicHistory.ReadAsync(_platform.Db, topic)).Where(e => e.Event.Type == type).Select(e => parser.ParseJson(e.Event.Data)).ToList();
    }
}

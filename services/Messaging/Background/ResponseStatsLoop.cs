using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Messaging.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Messaging.Background;

/// <summary>
/// Publishes the response statistics that change with time alone (SPEC 3): a buyer's question whose
/// response window passed unanswered now counts against the rate, a conversation that left the
/// period no longer counts. Every seller with such a change ahead is in
/// <see cref="MessagingKeys.ResponseStatsDue"/> (score = when); this loop re-evaluates each due
/// seller in a unit of work (<see cref="ResponseStatsStore.StageAsync"/>), which publishes the
/// new stats when they moved and schedules the seller's next change. Safe with several instances
/// (the unit reads what it changes); a seller whose evaluation keeps failing is parked
/// (<see cref="MessagingKeys.ResponseStatsParked"/>) and the others go on.
/// </summary>
public sealed partial class ResponseStatsLoop(
    ResponseStatsStore stats, UnitOfWorkExecutor executor, IOptions<MessagingOptions> options, TimeProvider clock, ILogger<ResponseStatsLoop> logger)
    : DueItemsLoop<string>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        stats.GetDueAsync(now, take);

    protected override async Task HandleAsync(string sellerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, (work, _) => stats.StageAsync(work, sellerId, null, now), cancellationToken);
        foreach (var e in outcome.Events)
        {
            LogPublished(Logger, sellerId, e.Id);
        }
    }

    protected override Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => stats.NextDueAfterAsync(after);

    protected override Task ParkAsync(string sellerId, string error, CancellationToken cancellationToken) =>
        stats.ParkAsync(sellerId, error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seller {SellerId}: response statistics changed with time ({EventId})")]
    private static partial void LogPublished(ILogger logger, string sellerId, string eventId);
}

using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Reviews.Background;

/// <summary>
/// Publishes buyer reviews whose window ended without a seller review (SPEC 4). Every pending
/// review keeps its entry in the publication schedule (<see cref="ReviewKeys.PendingPublication"/>,
/// score = end of its window); this loop lets the domain decide on each due order
/// (<see cref="Domain.ReviewRecord.OnTimer"/>) in a unit of work. Safe with several instances: the
/// unit reads the record, so racing passes commit once and the loser re-runs on the published
/// record, which yields nothing. An order whose publication keeps failing is parked
/// (<see cref="ReviewKeys.ParkedPublications"/>) and the others go on.
/// </summary>
public sealed partial class PublicationLoop(
    ReviewStore store, UnitOfWorkExecutor executor, IOptions<ReviewsOptions> options, TimeProvider clock, ILogger<PublicationLoop> logger)
    : DueItemsLoop<string>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        store.GetDueAsync(ReviewKeys.PendingPublication, now, take);

    protected override async Task HandleAsync(string orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var (_, record) = await ReviewStore.ReadAsync(work, orderId);
            if (record is null)
            {
                work.SortedSetRemove(ReviewKeys.PendingPublication, orderId);
                return;
            }

            var decision = record.OnTimer(now);
            ReviewStore.Write(work, decision.State!, decision.Events);
        }, cancellationToken);
        foreach (var e in outcome.Events)
        {
            LogPublished(Logger, orderId, e.Type, e.Id);
        }
    }

    protected override Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => store.NextDueAfterAsync(ReviewKeys.PendingPublication, after);

    protected override Task ParkAsync(string orderId, string error, CancellationToken cancellationToken) =>
        store.ParkAsync(ReviewKeys.PendingPublication, ReviewKeys.ParkedPublications, orderId, error, Clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Type} ({EventId})")]
    private static partial void LogPublished(ILogger logger, string orderId, string type, string eventId);
}

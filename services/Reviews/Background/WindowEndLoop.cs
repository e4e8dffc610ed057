using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Reviews.Background;

/// <summary>
/// Closes review windows whose time ran out (<c>reviews.review_window_closed.v1</c>, reason
/// <c>ENDED</c>, as of the window's end). Every open window has an entry in the window-end
/// schedule (<see cref="ReviewKeys.WindowEnds"/>, score = its end); this loop lets the domain
/// decide on each due order (<see cref="Domain.ReviewWindow.OnTimer"/>) in a unit of work, so
/// racing instances close a window once. A window closed meanwhile (the buyer reviewed, support
/// revoked) has left the schedule in that commit. An order that keeps failing is parked
/// (<see cref="ReviewKeys.ParkedWindowEnds"/>) and the others go on.
/// </summary>
public sealed partial class WindowEndLoop(
    ReviewStore store, UnitOfWorkExecutor executor, IOptions<ReviewsOptions> options, TimeProvider clock, ILogger<WindowEndLoop> logger)
    : DueItemsLoop<string>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        store.GetDueAsync(ReviewKeys.WindowEnds, now, take);

    protected override async Task HandleAsync(string orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var window = await ReviewStore.ReadWindowAsync(work, orderId);
            if (window is null)
            {
                work.SortedSetRemove(ReviewKeys.WindowEnds, orderId);
                return;
            }

            // Not due (or closed already): the write puts the schedule entry back in step with the window.
            var change = window.OnTimer(now);
            ReviewStore.WriteWindow(work, change?.Window ?? window, change?.Event);
        }, cancellationToken);
        foreach (var e in outcome.Events)
        {
            LogClosed(Logger, orderId, e.Type, e.Id);
        }
    }

    protected override Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) => store.NextDueAfterAsync(ReviewKeys.WindowEnds, after);

    protected override Task ParkAsync(string orderId, string error, CancellationToken cancellationToken) =>
        store.ParkAsync(ReviewKeys.WindowEnds, ReviewKeys.ParkedWindowEnds, orderId, error, Clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Type} ({EventId})")]
    private static partial void LogClosed(ILogger logger, string orderId, string type, string eventId);
}

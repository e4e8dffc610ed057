using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Scoring.Events;

/// <summary>
/// <c>messaging.response_stats_changed.v1</c>: Messaging's one computation of a seller's response
/// rate (SPEC 3), which the level criteria use (SPEC 5.4). Keeps the statistics with the latest
/// window end per seller: an older or repeated report changes nothing, whatever order they arrive in.
/// </summary>
public sealed class ResponseStatsHandler(ILogger<ResponseStatsHandler> logger) : Marketplace.EventBus.EventHandler<ResponseStatsChanged>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(ResponseStatsChanged.Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, ResponseStatsChanged payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        var stats = payload.Stats
            ?? throw new MalformedEventException($"{envelope.Type} event {envelope.Id} has no stats");
        var report = ResponseReport.From(stats)
            ?? throw new MalformedEventException($"{envelope.Type} event {envelope.Id}: {ResponseReport.Problem(stats)}");

        var key = ScoringKeys.SellerResponseStats(stats.SellerId);
        var stored = ResponseReport.FromFields(Marketplace.Hosting.HashReader.From($"response stats of {stats.SellerId}", await work.ReadHashAsync(key)));
        if (stored is not null && stored.WindowEndTicks >= report.WindowEndTicks)
        {
            logger.LogDebug("Event {EventId}: response stats of {SellerId} ending {End} are not newer than those kept; ignored", envelope.Id, stats.SellerId, stats.WindowEnd);
            return;
        }

        work.KeyDelete(key);
        work.HashSet(key, report.ToFields().Entries);
        SellerStore.StageDirty(work, stats.SellerId);
    }
}

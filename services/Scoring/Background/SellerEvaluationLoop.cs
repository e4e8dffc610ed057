using Marketplace.EventBus;
using Marketplace.Hosting.Background;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Scoring.Background;

/// <summary>
/// SPEC 5.5 "at once for a seller whose own events change the score": event handlers mark the
/// seller dirty in the same commit as the change (<see cref="SellerStore.StageDirty"/>), and this
/// loop evaluates the dirty sellers, <see cref="ScoringOptions.SellerEvaluationBatch"/> per unit of
/// work (their marks and records read in one round trip each, their Gigs in one read script, one
/// commit), which clears each mark only if no new change came in meanwhile. A crash between the
/// two loses nothing: the mark stays until an evaluation commits. Several replicas may run it;
/// racing evaluations commit once. A batch that fails is evaluated seller by seller; a seller
/// whose evaluation keeps failing is parked (<see cref="ScoringKeys.ParkedSellers"/>) and the
/// others go on; their next change marks them dirty again.
/// </summary>
public sealed class SellerEvaluationLoop(
    UnitOfWorkExecutor executor, SellerStore sellers, SellerEvaluator evaluator, IOptions<ScoringOptions> options,
    TimeProvider clock, ILogger<SellerEvaluationLoop> logger) : DueItemsLoop<string>(clock, logger)
{
    protected override TimeSpan Interval => options.Value.SellerEvaluationPoll;

    /// <summary>Sellers are independent items with no order among them (several replicas already race on them).</summary>
    protected override int Concurrency => options.Value.SellerEvaluationConcurrency;

    protected override int ItemsPerUnit => options.Value.SellerEvaluationBatch;

    /// <summary>Dirty sellers carry no due time: every one is due now.</summary>
    protected override Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int take, CancellationToken cancellationToken) =>
        sellers.DirtyAsync(take);

    /// <summary>A seller on their own (a batch that failed is retried seller by seller): a batch of one.</summary>
    protected override Task HandleAsync(string sellerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        HandleTogetherAsync([sellerId], now, cancellationToken);

    protected override async Task HandleTogetherAsync(IReadOnlyList<string> sellerIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            var marked = await SellerStore.ReadDirtyMarksAsync(work, sellerIds);
            var dirty = sellerIds.Where((_, i) => !marked[i].IsNull).ToList(); // the others: another replica evaluated them
            if (dirty.Count == 0)
            {
                return;
            }

            await evaluator.StageAllAsync(work, dirty, EvaluationKind.OnDemand, Clock.GetUtcNow());
            foreach (var sellerId in dirty)
            {
                SellerStore.StageEvaluated(work, sellerId);
            }
        }, cancellationToken);

    protected override Task ParkAsync(string sellerId, string error, CancellationToken cancellationToken) =>
        sellers.ParkAsync(sellerId, error, Clock.GetUtcNow());
}

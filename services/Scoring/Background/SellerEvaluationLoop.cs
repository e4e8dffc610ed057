using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Scoring.Evaluation;

/// <summary>
/// SPEC 5.5 "at once for a seller whose own events change the score": event handlers mark the
/// seller dirty in the same commit as the change (<see cref="SellerStore.StageDirty"/>), and this
/// loop evaluates every dirty seller in its own unit of work, which clears the mark only if no
/// new change came in meanwhile. A crash between the two loses nothing: the mark stays until an
/// evaluation commits. Several replicas may run it; racing evaluations commit once.
/// </summary>
public sealed class SellerEvaluationLoop(
    UnitOfWorkExecutor executor, RedisConnection redis, SellerEvaluator evaluator, ScoringOptions options, TimeProvider clock,
    ILogger<SellerEvaluationLoop> logger) : BackgroundService
{
    /// <summary>Pause after a failed pass (e.g. Redis away), as the bus's readers do.</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SellerEvaluationPoll);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await EvaluateDirtyAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Seller evaluation failed; retrying in {Backoff}", FailureBackoff);
                await Task.Delay(FailureBackoff, stoppingToken);
            }
        }
    }

    /// <summary>Evaluates every seller marked dirty now.</summary>
    public async Task EvaluateDirtyAsync(CancellationToken cancellationToken)
    {
        var dirty = await redis.Database.HashKeysAsync(ScoringKeys.DirtySellers);
        foreach (string sellerId in dirty.Select(v => (string)v!))
        {
            await executor.ExecuteAsync(null, async (work, _) =>
            {
                var mark = await work.ReadHashFieldAsync(ScoringKeys.DirtySellers, sellerId);
                if (mark.IsNull)
                {
                    return; // another replica evaluated it
                }

                await evaluator.StageAsync(work, sellerId, EvaluationKind.OnDemand, clock.GetUtcNow());
                work.HashDelete(ScoringKeys.DirtySellers, sellerId);
            }, cancellationToken);
        }
    }
}

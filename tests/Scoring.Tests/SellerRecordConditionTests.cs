using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// A seller's record is read by every evaluation of the seller (the daily evaluation's batches,
/// the re-evaluation after an event, support's Top Rated decision), each in a unit of work whose
/// commit condition is the record's revision (<see cref="SellerRecord.RevisionField"/>), which
/// every write raises. A record written by another unit between a batch's read and its commit must
/// make the batch run again from the record as it now is: committing the batch's stale copy would
/// undo the other write (a level, a flag, the version of the seller's events).
/// </summary>
public sealed class SellerRecordConditionTests
{
    private static readonly DateTimeOffset Now = new(2026, 9, 9, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Attack_a_record_written_between_a_daily_batch_s_read_and_its_commit_makes_the_batch_run_again_on_it()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(ScoreTests.Group());
        var services = scoring.Host.Services;
        var executor = services.GetRequiredService<UnitOfWorkExecutor>();
        var evaluator = services.GetRequiredService<SellerEvaluator>();
        string[] sellers = ["seller-a", "seller-b", "seller-c"];
        var before = await RecordAsync(scoring, "seller-b");

        int attempts = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            attempts++;
            await evaluator.StageAllAsync(work, sellers, EvaluationKind.Daily, Now);
            if (attempts == 1)
            {
                // Another writer's commit in between: the record with a later event version, as
                // written by the store's one writer (which raises the revision).
                await executor.ExecuteAsync(null, async (other, _) =>
                {
                    var current = await SellerStore.ReadRecordAsync(other, "seller-b");
                    SellerStore.StageRecord(other, "seller-b", current with { Version = current.Version + 7 });
                }, CancellationToken.None);
            }
        }, CancellationToken.None);

        Assert.Equal(2, attempts);
        var after = await RecordAsync(scoring, "seller-b");
        Assert.True(after.Version >= before.Version + 7, $"the batch's commit kept version {after.Version}, which undoes the other write's {before.Version + 7}");
        Assert.Equal(Now, after.EvaluatedAt);
    }

    [Fact]
    public async Task Each_write_stores_the_revision_after_the_one_it_read_and_nothing_of_the_record_before()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var executor = scoring.Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        async Task WriteAsync(Func<SellerRecord, SellerRecord> change) =>
            await executor.ExecuteAsync(null, async (work, _) =>
            {
                var current = await SellerStore.ReadRecordAsync(work, "seller-x");
                SellerStore.StageRecord(work, "seller-x", change(current));
            }, CancellationToken.None);

        await WriteAsync(r => r with { Level = LevelState.New with { TopRatedDecidedAt = Now }, EvaluatedAt = Now });
        var first = await RecordAsync(scoring, "seller-x");
        Assert.Equal((1L, Now, Now), (first.Revision, first.Level.TopRatedDecidedAt, first.EvaluatedAt));

        await WriteAsync(r => r with { Level = LevelState.New, EvaluatedAt = null });
        var second = await RecordAsync(scoring, "seller-x");
        Assert.Equal(SellerRecord.New with { Revision = 2 }, second);
        Assert.DoesNotContain(await scoring.Db.HashGetAllAsync(ScoringKeys.Seller("seller-x")), e => e.Name == "top_rated_at" || e.Name == "evaluated");
    }

    private static async Task<SellerRecord> RecordAsync(ScoringHarness scoring, string sellerId) =>
        SellerRecord.FromFields(HashReader.From(sellerId, await scoring.Db.HashGetAllAsync(ScoringKeys.Seller(sellerId))));
}

using StackExchange.Redis;

namespace Marketplace.Hosting;

/// <summary>Reads of the services' due schedules: sorted sets whose scores are due times in Unix milliseconds.</summary>
public static class DueSchedules
{
    /// <summary>The earliest due time in <paramref name="schedule"/> strictly after <paramref name="after"/>, or null when none is.</summary>
    public static async Task<DateTimeOffset?> NextDueAfterAsync(this IDatabase db, RedisKey schedule, DateTimeOffset after)
    {
        var first = await db.SortedSetRangeByScoreWithScoresAsync(
            schedule, after.ToUnixTimeMilliseconds(), double.PositiveInfinity, Exclude.Start, take: 1);
        return first.Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)first[0].Score);
    }
}

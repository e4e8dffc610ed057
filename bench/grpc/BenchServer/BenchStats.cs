using System.Globalization;

namespace Marketplace.Bench.Grpc;

/// <summary>
/// What a bench server reports about itself, so run.sh measures it only in its steady state:
/// the responses that ended with grpc-status 0, the methods the JIT has compiled so far (every
/// tier: tier 0, instrumented, optimized, on-stack replacement), the bytes allocated and the CPU
/// time used, all counted since the process started.
/// </summary>
public readonly record struct BenchSnapshot(long Ok, long JitMethods, long AllocatedBytes, double CpuMs)
{
    public static BenchSnapshot Now() => new(
        OkResponses.Count,
        System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false),
        GC.GetTotalAllocatedBytes(precise: true),
        Environment.CpuUsage.TotalTime.TotalMilliseconds);
}

public static class BenchStats
{
    /// <summary>
    /// Prints <c>STATS &lt;ok responses&gt; &lt;JIT-compiled methods&gt; &lt;allocated bytes&gt; &lt;CPU ms&gt;</c>
    /// every <paramref name="interval"/> until <paramref name="stopping"/>. run.sh waits for the
    /// first line whose count covers every request it has sent, which is also its snapshot of that
    /// moment: a JIT count that moved by (almost) nothing over a chunk of warm-up calls says the JIT
    /// has settled, and the differences across a measured run are that run's CPU and allocations.
    /// </summary>
    public static async Task ReportAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var now = BenchSnapshot.Now();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STATS {now.Ok} {now.JitMethods} {now.AllocatedBytes} {now.CpuMs:F0}"));
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}

/// <summary>
/// Warm-up until the JIT settles, for a loop in the process itself (scoring-inproc): chunks of
/// <see cref="Chunk"/> calls until one compiled at most <see cref="Settled"/> new methods, at
/// most <see cref="MaxChunks"/> chunks. The same rule run.sh applies to the servers.
/// </summary>
public sealed record JitWarmUp(int Chunk, int Settled, int MaxChunks)
{
    /// <summary>Runs <paramref name="chunk"/> (given a number of calls) until the JIT settles; says how long it took.</summary>
    public async Task<JitWarmUpResult> RunAsync(Func<int, Task> chunk)
    {
        long calls = 0;
        for (int chunks = 1; ; chunks++)
        {
            long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
            await chunk(Chunk);
            calls += Chunk;
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - before;
            if (compiled <= Settled || chunks >= MaxChunks)
            {
                return new JitWarmUpResult(calls, chunks, compiled, compiled <= Settled);
            }
        }
    }
}

/// <param name="Calls">Warm-up calls made.</param>
/// <param name="Chunks">Chunks of calls.</param>
/// <param name="LastChunkMethods">Methods the JIT compiled during the last chunk.</param>
/// <param name="Settled">Whether the last chunk compiled at most the settled number (false: the maximum of chunks was reached).</param>
public readonly record struct JitWarmUpResult(long Calls, int Chunks, long LastChunkMethods, bool Settled);

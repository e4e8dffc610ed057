using System.Globalization;

namespace Marketplace.Bench.Shared;

/// <summary>CPU time from /proc (Linux): what the benchmarks read of their processes and threads.</summary>
public static class ProcStat
{
    /// <summary>USER_HZ on Linux: the unit of /proc's CPU times.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>utime + stime of a /proc/PID/stat or /proc/PID/task/TID/stat file (fields 14 and 15, counted after the parenthesised name).</summary>
    public static long CpuTicks(string statFile)
    {
        string stat = File.ReadAllText(statFile);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// The CPU time of the tiered compiler's background threads (".NET Tiered Com" in
/// /proc/PID/task/*/comm) in some processes: what their runtimes still spend promoting hot methods to
/// optimized code, which stops once a process's JIT has settled. The runtime ends that thread when it
/// runs out of work and starts a new one later, so each <see cref="Advance"/> adds up, thread by
/// thread, the time spent since the previous call (a new thread's whole time; the last moments of
/// a thread that ended in between are not seen: call it often, e.g. every second).
/// </summary>
public sealed class TieredCompilationMeter(IReadOnlyList<int> pids)
{
    private Dictionary<string, long> _seen = [];

    /// <summary>Milliseconds of tiered compilation since the previous call (since the threads started, on the first).</summary>
    public long Advance()
    {
        var now = new Dictionary<string, long>(StringComparer.Ordinal);
        long ticks = 0;
        foreach (int pid in pids)
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    long cpu = ProcStat.CpuTicks(Path.Combine(task, "stat"));
                    now[task] = cpu;
                    ticks += cpu - _seen.GetValueOrDefault(task);
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }
        }

        _seen = now;
        return (long)(ticks * 1000 / ProcStat.TicksPerSecond);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Marketplace.Bench.Grpc;

/// <summary>
/// Which types a bench server allocates, from the runtime's own sampling: the GC raises an
/// AllocationTick event about every 100 KB allocated, naming the type of the object that crossed
/// the mark, so the bytes per type are estimated as 100 KB per tick. Started by
/// <c>BENCH_ALLOCATIONS=1</c> after the warm-up (<c>BENCH_ALLOCATIONS_AFTER</c> responses); the
/// table is printed on stop, per response with grpc-status 0 counted since it started.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const long TickBytes = 100 * 1024;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly long _after = long.Parse(Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS_AFTER") ?? "0", CultureInfo.InvariantCulture);
    private long _startOk = -1;

    public static AllocationSampler? StartFromEnvironment()
    {
        return Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }

        if (OkResponses.Count < _after)
        {
            return;
        }

        if (_startOk < 0)
        {
            _startOk = OkResponses.Count;
        }

        int index = e.PayloadNames!.IndexOf("TypeName");
        string type = index >= 0 ? e.Payload[index] as string ?? "?" : "?";
        _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
    }

    public void Print() => Print(Math.Max(1, OkResponses.Count - Math.Max(0, _startOk)));

    /// <summary>The table per call of <paramref name="calls"/> (the in-process read loop, which sends no responses).</summary>
    public void Print(long calls)
    {
        Console.WriteLine($"ALLOCATIONS over {calls} responses (estimated from AllocationTick, bytes per response)");
        foreach (var (type, ticks) in _ticks.OrderByDescending(p => p.Value).Take(40))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ALLOC {ticks * TickBytes / (double)calls,8:F1} {type}"));
        }
    }
}

namespace Marketplace.Bench.Load;

/// <summary>Prints the figures and the targets of issue 16 (bench/load/README.md).</summary>
public static class Report
{
    private const double CallsTarget = 10_000;
    private const double ReadP99TargetMs = 20;
    private const double WriteP99TargetMs = 40;

    private static readonly HashSet<string> ScoreLevelOrderReads = ["GetGigScore", "GetSellerScore", "GetSellerLevel", "GetOrder"];

    public static void PrintMixed(MixedResult result, LoadSettings settings)
    {
        double rate = result.Calls / result.Seconds;
        Console.WriteLine();
        Console.WriteLine($"{result.Calls:N0} calls in {result.Seconds:F1} s: {rate:N0} calls/s at {settings.InFlight} in flight, {result.Errors:N0} errors");
        Console.WriteLine();
        Console.WriteLine($"{"rpc",-20}{"kind",-7}{"calls",9}{"calls/s",10}{"p50 ms",9}{"p99 ms",9}  errors");
        foreach (var (rpc, samples) in result.PerRpc)
        {
            string errors = samples.Errors.Count == 0 ? "0" : string.Join(", ", samples.Errors.Select(e => $"{e.Key} x{e.Value}"));
            Console.WriteLine($"{rpc,-20}{Kind(rpc),-7}{samples.Ticks.Count,9:N0}{samples.Ticks.Count / result.Seconds,10:N0}{samples.PercentileMs(0.50),9:F2}{samples.PercentileMs(0.99),9:F2}  {errors}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"process",-16}{"pid",8}{"CPU (cores)",13}{"CPU share",11}{"peak RSS MiB",14}");
        double total = result.Processes.Sum(p => p.Cores);
        foreach (var p in result.Processes)
        {
            Console.WriteLine($"{p.Name,-16}{p.Pid,8}{p.Cores,13:F2}{p.Cores / Math.Max(total, 1e-9),11:P0}{p.PeakRssBytes / 1048576.0,14:F0}");
        }

        Console.WriteLine($"{"all",-16}{"",8}{total,13:F2}   of {Environment.ProcessorCount} cores");

        var commands = result.RedisCommands.Where(c => c.Value > 0 && !RedisInfo.IsBenchOwn(c.Key)).OrderByDescending(c => c.Value).ToList();
        long allCommands = commands.Sum(c => c.Value);
        Console.WriteLine();
        Console.WriteLine($"Redis (INFO commandstats over the same interval): {allCommands:N0} commands, {allCommands / (double)Math.Max(1, result.Calls):F2} per call; per call by command:");
        Console.WriteLine("  " + string.Join("  ", commands.Take(12).Select(c => $"{c.Key} {c.Value / (double)Math.Max(1, result.Calls):F2}")));
        Console.WriteLine($"Redis socket reads / writes per call (INFO stats, round trips after pipelining; each INFO of the bench is one): " +
            $"{result.RedisSocketIo.Reads / (double)Math.Max(1, result.Calls):F2} / {result.RedisSocketIo.Writes / (double)Math.Max(1, result.Calls):F2}");
    }

    public static void PrintRoundTrips(IReadOnlyList<RoundTrips> roundTrips, int calls)
    {
        Console.WriteLine();
        Console.WriteLine($"Redis commands per read call, each RPC alone ({calls:N0} calls, one in flight, background loops' rate subtracted; MONITOR):");
        Console.WriteLine($"  {"rpc",-16}{"sent",6}{"in scripts",12}   commands sent");
        foreach (var r in roundTrips)
        {
            string detail = string.Join(", ", r.PerCommand.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value:F2}"));
            string target = ScoreLevelOrderReads.Contains(r.Rpc) ? " (target 1)" : "";
            Console.WriteLine($"  {r.Rpc,-16}{r.PerCall,6:F2}{r.InScripts,12:F2}   {detail}{target}");
        }
    }

    /// <summary>Prints each target as met or not; exit code 0 when the run had no errors (a missed target is a figure, not a failure).</summary>
    public static int Verdict(MixedResult result, IReadOnlyList<RoundTrips> roundTrips)
    {
        double rate = result.Calls / result.Seconds;
        Console.WriteLine();
        Console.WriteLine("targets (issue 16):");
        Line($"mixed calls/s >= {CallsTarget:N0}", rate >= CallsTarget, $"{rate:N0}");
        foreach (var (rpc, samples) in result.PerRpc)
        {
            double limit = Kind(rpc) == "write" ? WriteP99TargetMs : ReadP99TargetMs;
            Line($"{rpc} p99 < {limit} ms", samples.PercentileMs(0.99) < limit, $"{samples.PercentileMs(0.99):F2} ms");
        }

        Line("errors = 0", result.Errors == 0, $"{result.Errors}");
        foreach (var r in roundTrips.Where(r => ScoreLevelOrderReads.Contains(r.Rpc)))
        {
            Line($"{r.Rpc}: 1 Redis round trip", Math.Round(r.PerCall, 1) <= 1, $"{r.PerCall:F2} commands sent");
        }

        return result.Errors == 0 ? 0 : 1;
    }

    private static void Line(string what, bool met, string figure) =>
        Console.WriteLine($"  {(met ? "met    " : "NOT met")}  {what,-34} {figure}");

    private static string Kind(string rpc) => OrderFlow.StepNames.Contains(rpc) ? "write" : "read";
}

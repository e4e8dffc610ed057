using System.Diagnostics;
using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Bench.Shared;
using Marketplace.Scenario;
using StackExchange.Redis;

namespace Marketplace.Bench.Load;

/// <summary>The latencies (stopwatch ticks) and failures of one RPC, from one worker or merged.</summary>
public sealed class RpcSamples
{
    public List<long> Ticks { get; } = [];

    public Dictionary<StatusCode, int> Errors { get; } = [];

    public void Merge(RpcSamples other)
    {
        Ticks.AddRange(other.Ticks);
        foreach (var (code, count) in other.Errors)
        {
            Errors[code] = Errors.GetValueOrDefault(code) + count;
        }
    }

    public double PercentileMs(double p)
    {
        if (Ticks.Count == 0)
        {
            return double.NaN;
        }

        var sorted = Ticks.Order().ToArray();
        int index = Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }
}

/// <summary>What the mixed run measured.</summary>
public sealed record MixedResult(
    double Seconds,
    IReadOnlyDictionary<string, RpcSamples> PerRpc,
    IReadOnlyList<ProcessUsage> Processes,
    IReadOnlyDictionary<string, long> RedisCommands,
    (long Reads, long Writes) RedisSocketIo)
{
    public long Calls => PerRpc.Values.Sum(s => s.Ticks.Count + s.Errors.Values.Sum());

    public long Errors => PerRpc.Values.Sum(s => s.Errors.Values.Sum());
}

/// <summary>
/// <see cref="LoadSettings.InFlight"/> workers, each with one call in flight at a time: a share of
/// the calls are the next step of the worker's current order (placed, requirements, started,
/// delivered, accepted), the rest are reads of scores, levels, orders and reviews of the seeded
/// marketplace, each by a caller allowed to read it. Calls started in the warm-up are not counted.
/// </summary>
public static class MixedTraffic
{
    private static readonly (string Name, int Weight)[] Reads =
    [
        ("GetGigScore", 20), ("GetSellerScore", 15), ("GetSellerLevel", 15), ("GetOrder", 20), ("ListOrders", 15), ("GetGigReviews", 15),
    ];

    /// <summary>
    /// Warms on while the services' tiered compilers still work: in steps of <see cref="LoadSettings.JitStepSeconds"/>
    /// until two steps in a row cost them at most <see cref="LoadSettings.JitSettledMs"/> of compilation
    /// CPU in all each, or <see cref="LoadSettings.WarmupMaxSeconds"/> have passed (then it says so). On 2 busy
    /// cores the background compiler gets little CPU, so optimized code arrives minutes after the
    /// start; a service runs for days, and the targets are about that steady state.
    /// </summary>
    private static async Task WaitForJitAsync(LoadSettings settings, IReadOnlyList<int> services)
    {
        var started = Stopwatch.StartNew();
        var meter = new TieredCompilationMeter(services);
        long total = meter.Advance();
        var steps = new List<long>();
        while (true)
        {
            long step = 0;
            for (int s = 0; s < settings.JitStepSeconds; s++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                step += meter.Advance();
            }

            total += step;
            steps.Add(step);
            // Two quiet steps in a row: the compiler works in bursts (a method reaching its call
            // count), and one quiet step can fall between two of them.
            if (steps.Count >= 2 && steps[^1] <= settings.JitSettledMs && steps[^2] <= settings.JitSettledMs)
            {
                Console.WriteLine($"mixed traffic: JIT settled after {settings.WarmupSeconds + started.Elapsed.TotalSeconds:F0} s of warm-up " +
                    $"(tiered compilation in the services per {settings.JitStepSeconds} s: {string.Join(", ", steps)} ms; {total} ms in all)");
                return;
            }

            if (settings.WarmupSeconds + started.Elapsed.TotalSeconds >= settings.WarmupMaxSeconds)
            {
                Console.WriteLine($"mixed traffic: the JIT did NOT settle in {settings.WarmupMaxSeconds} s (tiered compilation in the services per {settings.JitStepSeconds} s: {string.Join(", ", steps)} ms): measured anyway");
                return;
            }
        }
    }

    public static async Task<MixedResult> RunAsync(PlatformClient client, World world, LoadSettings settings,
        IConnectionMultiplexer redis, IReadOnlyList<(string Name, int Pid)> processes)
    {
        var tokens = new Tokens(client);
        using var stop = new CancellationTokenSource();
        long measureFrom = long.MaxValue, measureTo = long.MaxValue;
        var workers = Enumerable.Range(0, settings.InFlight).Select(i => new Worker(i, client, tokens, world, settings.WriteShare)).ToList();
        var running = workers.Select(w => Task.Run(() => w.RunAsync(() => Volatile.Read(ref measureFrom), () => Volatile.Read(ref measureTo), stop.Token))).ToList();

        Console.WriteLine($"mixed traffic: warming up {settings.WarmupSeconds} s, then until the services' JIT has settled ...");
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds));
        await WaitForJitAsync(settings, processes.Where(p => p.Name is not ("redis-server" or "load generator")).Select(p => p.Pid).ToList());
        world.RefreshSnapshot();
        var usage = new ProcessSampler(processes);
        var commandsBefore = await RedisInfo.CommandCallsAsync(redis);
        var socketBefore = await RedisInfo.SocketIoAsync(redis);
        usage.Start();
        Volatile.Write(ref measureFrom, Stopwatch.GetTimestamp());
        Console.WriteLine($"mixed traffic: measuring {settings.DurationSeconds} s ...");
        for (int s = 0; s < settings.DurationSeconds; s++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            usage.SampleMemory();
            world.RefreshSnapshot();
        }

        long end = Stopwatch.GetTimestamp();
        Volatile.Write(ref measureTo, end);
        var processUsage = usage.Stop();
        var commandsAfter = await RedisInfo.CommandCallsAsync(redis);
        var socketAfter = await RedisInfo.SocketIoAsync(redis);
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var merged = new SortedDictionary<string, RpcSamples>(StringComparer.Ordinal);
        foreach (var (name, samples) in workers.SelectMany(w => w.Samples))
        {
            if (!merged.TryGetValue(name, out var into))
            {
                merged[name] = into = new RpcSamples();
            }

            into.Merge(samples);
        }

        var commands = commandsAfter.ToDictionary(c => c.Key, c => c.Value - commandsBefore.GetValueOrDefault(c.Key));
        return new MixedResult((end - measureFrom) / (double)Stopwatch.Frequency, merged, processUsage, commands,
            (socketAfter.Reads - socketBefore.Reads, socketAfter.Writes - socketBefore.Writes));
    }

    private sealed class Worker(int index, PlatformClient client, Tokens tokens, World world, double writeShare)
    {
        private readonly Random _random = new(1000 + index);
        private OrderFlow? _flow;
        private int _placed;

        public Dictionary<string, RpcSamples> Samples { get; } = new(StringComparer.Ordinal);

        public async Task RunAsync(Func<long> measureFrom, Func<long> measureTo, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                bool write = _random.NextDouble() < writeShare;
                string name = write ? NextFlow().Name : PickRead();
                long started = Stopwatch.GetTimestamp();
                StatusCode status = StatusCode.OK;
                try
                {
                    if (write)
                    {
                        await WriteAsync();
                    }
                    else
                    {
                        await ReadAsync(name);
                    }
                }
                catch (RpcException e)
                {
                    status = e.StatusCode;
                }

                long ended = Stopwatch.GetTimestamp();
                if (started < measureFrom() || ended > measureTo())
                {
                    continue;
                }

                if (!Samples.TryGetValue(name, out var samples))
                {
                    Samples[name] = samples = new RpcSamples();
                }

                if (status == StatusCode.OK)
                {
                    samples.Ticks.Add(ended - started);
                }
                else
                {
                    samples.Errors[status] = samples.Errors.GetValueOrDefault(status) + 1;
                }
            }
        }

        private OrderFlow NextFlow()
        {
            if (_flow is null or { Done: true })
            {
                var gig = world.Gigs[_random.Next(world.Gigs.Count)];
                _flow = new OrderFlow(gig, world.Buyers[_random.Next(world.Buyers.Count)], $"load-{world.RunId}-{index}-{_placed++}");
            }

            return _flow;
        }

        private async Task WriteAsync()
        {
            var flow = NextFlow();
            await flow.NextAsync(client, tokens);
            if (flow.Step == 1)
            {
                world.Add(new KnownOrder(flow.OrderId, flow.BuyerId));
            }
        }

        private string PickRead()
        {
            int roll = _random.Next(Reads.Sum(r => r.Weight));
            foreach (var (name, weight) in Reads)
            {
                if ((roll -= weight) < 0)
                {
                    return name;
                }
            }

            return Reads[^1].Name;
        }

        private Task ReadAsync(string name) => ReadCalls.CallAsync(name, client, tokens, world, _random);
    }
}

/// <summary>One call of each read RPC, by a caller allowed to read what it asks for.</summary>
public static class ReadCalls
{
    public static readonly string[] Names = ["GetGigScore", "GetSellerScore", "GetSellerLevel", "GetOrder", "ListOrders", "GetGigReviews"];

    public static async Task CallAsync(string name, PlatformClient client, Tokens tokens, World world, Random random)
    {
        var gig = world.Gigs[random.Next(world.Gigs.Count)];
        string buyer = world.Buyers[random.Next(world.Buyers.Count)];
        switch (name)
        {
            case "GetGigScore":
                await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = gig.GigId }, tokens.Seller(gig.SellerId));
                break;
            case "GetSellerScore":
                await client.Scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = gig.SellerId }, tokens.Seller(gig.SellerId));
                break;
            case "GetSellerLevel":
                await client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = gig.SellerId }, tokens.Buyer(buyer));
                break;
            case "GetOrder":
                var order = world.AnyOrder(random);
                await client.Orders.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, tokens.Buyer(order.BuyerId));
                break;
            case "ListOrders":
                await client.Orders.ListOrdersAsync(new ListOrdersRequest { PageSize = 20 }, tokens.Buyer(world.AnyOrder(random).BuyerId));
                break;
            case "GetGigReviews":
                await client.Reviews.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = gig.GigId, PageSize = 20 }, tokens.Buyer(buyer));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "not a read RPC of the bench");
        }
    }
}

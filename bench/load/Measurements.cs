using System.Diagnostics;
using System.Globalization;
using Marketplace.Bench.Shared;
using StackExchange.Redis;

namespace Marketplace.Bench.Load;

/// <summary>One process's share of the measured interval: CPU (in cores: 1.0 = one core busy all the time) and peak RSS.</summary>
public sealed record ProcessUsage(string Name, int Pid, double Cores, long PeakRssBytes);

/// <summary>CPU and RSS of processes from /proc (Linux), over an interval.</summary>
public sealed class ProcessSampler(IReadOnlyList<(string Name, int Pid)> processes)
{
    private readonly Dictionary<int, long> _cpuAtStart = [];
    private readonly Dictionary<int, long> _peakRss = [];
    private long _startedAt;

    public void Start()
    {
        _startedAt = Stopwatch.GetTimestamp();
        foreach (var (_, pid) in processes)
        {
            _cpuAtStart[pid] = CpuTicks(pid);
            _peakRss[pid] = Rss(pid);
        }
    }

    public void SampleMemory()
    {
        foreach (var (_, pid) in processes)
        {
            _peakRss[pid] = Math.Max(_peakRss[pid], Rss(pid));
        }
    }

    public IReadOnlyList<ProcessUsage> Stop()
    {
        SampleMemory();
        double seconds = (Stopwatch.GetTimestamp() - _startedAt) / (double)Stopwatch.Frequency;
        return processes
            .Select(p => new ProcessUsage(p.Name, p.Pid, (CpuTicks(p.Pid) - _cpuAtStart[p.Pid]) / ProcStat.TicksPerSecond / seconds, _peakRss[p.Pid]))
            .ToList();
    }

    private static long CpuTicks(int pid) => ProcStat.CpuTicks($"/proc/{pid}/stat");

    private static long Rss(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

/// <summary>What the bench reads from Redis's INFO.</summary>
public static class RedisInfo
{
    public static async Task<int> ProcessIdAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers()[0];
        var info = await server.InfoAsync("server");
        return int.Parse(info.SelectMany(g => g).First(p => p.Key == "process_id").Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Calls per command since the server started (INFO commandstats: <c>cmdstat_evalsha:calls=12,...</c>).</summary>
    public static async Task<Dictionary<string, long>> CommandCallsAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers()[0];
        var info = await server.InfoAsync("commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in info.SelectMany(g => g))
        {
            if (!pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            string field = pair.Value.Split(',')[0]; // calls=N
            calls[pair.Key["cmdstat_".Length..]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
        }

        return calls;
    }

    /// <summary>
    /// Redis's socket reads and writes since it started (INFO stats <c>total_reads_processed</c>,
    /// <c>total_writes_processed</c>). Redis reads everything a client has sent in one read and
    /// writes a client's pending replies in one write, so these count round trips after the
    /// clients' pipelining: what a command costs Redis in system calls.
    /// </summary>
    public static async Task<(long Reads, long Writes)> SocketIoAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers()[0];
        var stats = (await server.InfoAsync("stats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return (long.Parse(stats["total_reads_processed"], CultureInfo.InvariantCulture),
            long.Parse(stats["total_writes_processed"], CultureInfo.InvariantCulture));
    }

    /// <summary>Commands of the bench's own (its reads of INFO), left out of the figures.</summary>
    public static bool IsBenchOwn(string command) => command is "info" or "monitor";
}

/// <summary>
/// Redis commands per call of one read RPC: <see cref="RoundTrips"/> sent by the service (each one a
/// round trip, or part of a pipelined one), and <see cref="InScripts"/> run inside its scripts
/// (INFO commandstats counts both alike, MONITOR tells them apart).
/// </summary>
public sealed record RoundTrips(string Rpc, double PerCall, double InScripts, IReadOnlyDictionary<string, double> PerCommand);

/// <summary>
/// Each read RPC alone, one call at a time, with the bus at rest, watched through Redis's MONITOR:
/// the commands the services sent during the calls, less what their background loops send in the
/// same time (measured just before with no calls), per call.
/// </summary>
public static class ReadRoundTrips
{
    public static async Task<IReadOnlyList<RoundTrips>> MeasureAsync(Marketplace.Scenario.PlatformClient client, World world, IConnectionMultiplexer redis, int redisPort, int calls)
    {
        var tokens = new Tokens(client);
        var random = new Random(7);
        var results = new List<RoundTrips>();
        foreach (string rpc in ReadCalls.Names)
        {
            using var monitor = await RedisMonitor.StartAsync(redisPort);
            // The background loops' rate over an idle second, then the calls.
            await monitor.TakeCountsAsync(redis.GetDatabase()); // from here on
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (idle, idleSeconds) = await monitor.TakeCountsAsync(redis.GetDatabase());
            for (int i = 0; i < calls; i++)
            {
                await ReadCalls.CallAsync(rpc, client, tokens, world, random);
            }

            var (during, seconds) = await monitor.TakeCountsAsync(redis.GetDatabase());
            var perCommand = new Dictionary<string, double>(StringComparer.Ordinal);
            double sent = 0, inScripts = 0;
            foreach (var key in during.Keys.Union(idle.Keys))
            {
                double perCall = (during.GetValueOrDefault(key) - idle.GetValueOrDefault(key) / idleSeconds * seconds) / calls;
                if (Math.Abs(perCall) < 0.005)
                {
                    continue;
                }

                if (key.FromScript)
                {
                    inScripts += perCall;
                }
                else
                {
                    sent += perCall;
                    perCommand[key.Command] = perCommand.GetValueOrDefault(key.Command) + perCall;
                }
            }

            results.Add(new RoundTrips(rpc, sent, inScripts, perCommand));
        }

        return results;
    }
}

/// <summary>
/// A MONITOR connection to Redis (plain RESP over TCP; StackExchange.Redis does not offer MONITOR):
/// counts the commands Redis runs, by name and by whether a script ran them (<c>[0 lua]</c>) or a client sent them.
/// </summary>
public sealed class RedisMonitor : IDisposable
{
    private readonly System.Net.Sockets.TcpClient _tcp;
    private readonly Task _reading;
    private readonly object _gate = new();
    private Dictionary<(string Command, bool FromScript), long> _counts = [];
    private long _since = Stopwatch.GetTimestamp();
    private (string Text, TaskCompletionSource Seen)? _marker;

    private RedisMonitor(System.Net.Sockets.TcpClient tcp, StreamReader reader)
    {
        _tcp = tcp;
        _reading = Task.Run(() => ReadAsync(reader));
    }

    public static async Task<RedisMonitor> StartAsync(int port)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream);
        string? ok = await reader.ReadLineAsync();
        if (ok != "+OK")
        {
            throw new InvalidOperationException("MONITOR answered " + ok);
        }

        return new RedisMonitor(tcp, reader);
    }

    /// <summary>
    /// The counts since the last take (or the start), and the seconds they cover. MONITOR's lines
    /// arrive a moment after the commands ran, so an ECHO of a fresh marker sent through
    /// <paramref name="redis"/> is awaited first: every command before it has been counted then.
    /// </summary>
    public async Task<(Dictionary<(string Command, bool FromScript), long> Counts, double Seconds)> TakeCountsAsync(IDatabase redis)
    {
        string marker = "bench-load-marker-" + Guid.NewGuid().ToString("N");
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _marker = (marker, seen);
        }

        await redis.ExecuteAsync("ECHO", marker);
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        lock (_gate)
        {
            var counts = _counts;
            _counts = [];
            long now = Stopwatch.GetTimestamp();
            double seconds = (now - _since) / (double)Stopwatch.Frequency;
            _since = now;
            counts.Remove(("echo", false)); // the marker
            return (counts, seconds);
        }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                // +1700000000.123456 [0 127.0.0.1:54321] "evalsha_ro" "..." ...   or   [0 lua] for a script's own calls
                int open = line.IndexOf('[', StringComparison.Ordinal);
                int close = line.IndexOf(']', open + 1);
                int quote = line.IndexOf('"', close + 1);
                if (open < 0 || close < 0 || quote < 0)
                {
                    continue;
                }

                int end = line.IndexOf('"', quote + 1);
                string command = line[(quote + 1)..end].ToLowerInvariant();
                bool fromScript = line.AsSpan(open, close - open).EndsWith(" lua", StringComparison.Ordinal);
                lock (_gate)
                {
                    var key = (command, fromScript);
                    _counts[key] = _counts.GetValueOrDefault(key) + 1;
                    if (_marker is { } marker && command == "echo" && line.Contains(marker.Text, StringComparison.Ordinal))
                    {
                        _marker = null;
                        marker.Seen.TrySetResult();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Closed by Dispose.
        }
    }

    public void Dispose()
    {
        _tcp.Dispose();
        _reading.Wait(TimeSpan.FromSeconds(5));
    }
}



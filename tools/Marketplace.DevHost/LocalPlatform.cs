using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Marketplace.DevHost;

/// <summary>One local service: its name, app id and fixed ports (the same as in its appsettings.json).</summary>
internal sealed record LocalService(string Name, string AppId, int GrpcPort, int HttpPort);

/// <summary>
/// Redis and the four services as child processes of this one. Data (fresh for each run, AOF on
/// while it runs) and logs go to <c>.run/</c> in the checkout. Everything started here is stopped
/// by <see cref="StopAsync"/>. With <paramref name="simulatedClockStart"/> the services run on the
/// platform's simulated clock (docs/clock.md), set to that time before they start; Redis's port is
/// then written to <c>.run/redis-port</c> so that <c>clock advance</c> finds it from another terminal.
/// </summary>
internal sealed class LocalPlatform(string root, string configuration, DateTimeOffset? simulatedClockStart = null, bool shortRun = true)
{
    /// <summary>
    /// Runtime settings of the services of a short run, unless the DevHost's own environment sets
    /// them (then the child inherits that value, for A/B runs). <c>DOTNET_TieredPGO=0</c>: no
    /// instrumented tier, so a hot method is compiled twice (quick, then optimized) instead of three
    /// times. In a one-month simulation the JIT was a quarter of a service's CPU (perf), and the default
    /// simulation ran 8-23 % faster without it; over the full size (eight minutes and more) the
    /// profile-guided code was worth more than its warm-up, and the run was 20 % slower without it
    /// (docs/simulation.md). The images keep the runtime's default: a pod runs for days.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ShortRunRuntimeSettings = new Dictionary<string, string>
    {
        ["DOTNET_TieredPGO"] = "0",
    };

    /// <summary>
    /// The planned calls above which a simulation is a long run (the runtime's default settings): the
    /// default plan has about 46,000, the full size about 233,000; the measured runs put the
    /// break-even between 67,000 and 95,000 (docs/simulation.md).
    /// </summary>
    public const int LongRunCalls = 80_000;

    /// <summary>Where a platform on the simulated clock writes its Redis port.</summary>
    public static string RedisPortFile(string root) => Path.Combine(root, ".run", "redis-port");

    public static readonly IReadOnlyList<LocalService> Services =
    [
        new("Orders", "orders", 7101, 7201),
        new("Reviews", "reviews", 7102, 7202),
        new("Messaging", "messaging", 7103, 7203),
        new("Scoring", "scoring", 7104, 7204),
    ];

    private readonly List<ChildProcess> _children = [];

    public int RedisPort { get; private set; }

    public string RunDirectory => Path.Combine(root, ".run");

    public IReadOnlyList<ChildProcess> Children => _children;

    public bool SimulatedClock => simulatedClockStart is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string redisDir = Path.Combine(RunDirectory, "redis");
        string logDir = Path.Combine(RunDirectory, "logs");
        // Every run starts from empty data, so the main job's scenario tells the same story each time.
        if (Directory.Exists(redisDir))
        {
            Directory.Delete(redisDir, recursive: true);
        }

        Directory.CreateDirectory(redisDir);
        Directory.CreateDirectory(logDir);

        foreach (var service in Services)
        {
            EnsurePortFree(service.GrpcPort, $"{service.Name} gRPC");
            EnsurePortFree(service.HttpPort, $"{service.Name} HTTP");
        }

        RedisPort = FreeLoopbackPort();
        string port = RedisPort.ToString(CultureInfo.InvariantCulture);
        // In a session of its own (setsid), so the terminal's Ctrl-C reaches the services but not
        // Redis: the services drain against a live Redis, and Redis is stopped last.
        var redis = ChildProcess.Start("redis", "setsid",
            ["redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", redisDir, "--appendonly", "yes", "--save", "", "--hash-max-listpack-value", "256", "--daemonize", "no", "--protected-mode", "no"],
            new Dictionary<string, string>(), Path.Combine(logDir, "redis.log"));
        _children.Add(redis);
        await WaitForRedisAsync(redis, RedisPort, cancellationToken);
        if (simulatedClockStart is { } start)
        {
            using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            await Marketplace.Platform.PlatformClock.Driver(connection).StartAtAsync(start);
            await File.WriteAllTextAsync(RedisPortFile(root), port, cancellationToken);
        }

        foreach (var service in Services)
        {
            string dll = Path.Combine(root, "services", service.Name, "bin", configuration, "net10.0", $"Marketplace.{service.Name}.dll");
            if (!File.Exists(dll))
            {
                throw new InvalidOperationException($"{dll} is missing: run `make run` (it builds first).");
            }

            var environment = new Dictionary<string, string>
            {
                ["Platform__BindAddress"] = "127.0.0.1",
                ["Platform__GrpcPort"] = service.GrpcPort.ToString(CultureInfo.InvariantCulture),
                ["Platform__HttpPort"] = service.HttpPort.ToString(CultureInfo.InvariantCulture),
                ["Platform__Redis"] = $"127.0.0.1:{port}",
                ["DOTNET_ENVIRONMENT"] = "Development",
            };
            foreach (var (key, value) in ShortRunRuntimeSettings)
            {
                if (shortRun && Environment.GetEnvironmentVariable(key) is null)
                {
                    environment[key] = value;
                }
            }

            if (simulatedClockStart is not null)
            {
                foreach (var (key, value) in Marketplace.Platform.PlatformClock.SimulatedSettings)
                {
                    environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
            }

            if (simulatedClockStart is null)
            {
                // The walking skeleton's silent buyer is marked within seconds, not a day, and its late
                // orders are due seconds after placing (on the simulated clock a day passes in no
                // time, and the policies stay as they are).
                var scenarioSettings = service.AppId switch
                {
                    "messaging" => Marketplace.Scenario.WalkingSkeleton.MessagingSettings,
                    "orders" => Marketplace.Scenario.WalkingSkeleton.OrdersSettings,
                    _ => new Dictionary<string, string>(),
                };
                foreach (var (key, value) in scenarioSettings)
                {
                    environment[key] = value;
                }
            }

            _children.Add(ChildProcess.Start(service.AppId, "dotnet", [dll], environment,
                Path.Combine(logDir, service.AppId + ".log"), workingDirectory: Path.GetDirectoryName(dll)));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var (service, child) in Services.Zip(_children.Skip(1)))
        {
            await WaitUntilReadyAsync(http, service, child, cancellationToken);
        }
    }

    /// <summary>Stops the services first (they drain in-flight work), then Redis.</summary>
    public async Task StopAsync()
    {
        File.Delete(RedisPortFile(root));
        var services = _children.Skip(1).Select(child => child.StopAsync(TimeSpan.FromSeconds(25)));
        await Task.WhenAll(services);
        if (_children.Count > 0)
        {
            await _children[0].StopAsync(TimeSpan.FromSeconds(10));
        }

        foreach (var child in _children)
        {
            child.Dispose();
        }
    }

    private static async Task WaitForRedisAsync(ChildProcess redis, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (redis.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {redis.ExitCode}; see {redis.LogPath}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException($"redis-server did not listen within 20 s; see {redis.LogPath}");
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, LocalService service, ChildProcess child, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (child.HasExited)
            {
                throw new InvalidOperationException($"{service.Name} exited with code {child.ExitCode}; see {child.LogPath}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{service.HttpPort}/readyz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{service.Name} was not ready within 90 s; see {child.LogPath}");
    }

    private static void EnsurePortFree(int port, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException)
        {
            throw new InvalidOperationException($"port {port} ({what}) is already in use: is another `make run` still up?");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

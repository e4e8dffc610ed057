using System.Globalization;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Marketplace.Clients;
using Marketplace.Scenario;
using Marketplace.Testing;
using StackExchange.Redis;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// Redis and the four services as containers of the images just built, with Testcontainers, on
/// host networking (every container listens on 127.0.0.1, on free ports), each with a read-only
/// root filesystem, a tmpfs at /tmp, no capabilities and no privilege escalation, as the chart
/// runs them. Services get their settings ConfigMap as rendered by the chart, and the Redis
/// Streams transport (no Dapr sidecar can run here).
/// </summary>
public sealed class ContainerPlatform : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> Apps = ["orders", "reviews", "messaging", "scoring"];

    private readonly ContainerEngine _engine;
    private readonly List<IContainer> _containers = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _settings;
    private ConnectionMultiplexer? _redis;

    private ContainerPlatform(ContainerEngine engine, Dictionary<string, IReadOnlyDictionary<string, string>> settings)
    {
        _engine = engine;
        _settings = settings;
    }

    public int RedisPort { get; private set; }

    public Dictionary<string, ServiceContainer> Services { get; } = new(StringComparer.Ordinal);

    public IDatabase Db => _redis!.GetDatabase();

    public PlatformTargets Targets => new(Grpc("orders"), Grpc("reviews"), Grpc("messaging"), Grpc("scoring"));

    public static async Task<ContainerPlatform> StartAsync(ContainerEngine engine, params string[] apps)
    {
        var render = await Render.TemplateAsync();
        var settings = Apps.ToDictionary(app => app, app => (IReadOnlyDictionary<string, string>)render
            .Single("ConfigMap", $"{Render.Release}-marketplace-{app}-settings")["data"]!.AsObject()
            .ToDictionary(p => p.Key, p => (string)p.Value!));
        var platform = new ContainerPlatform(engine, settings);
        try
        {
            await platform.StartRedisAsync();
            var started = await Task.WhenAll((apps.Length > 0 ? apps : Apps).Select(platform.StartServiceAsync));
            foreach (var service in started)
            {
                platform.Services[service.App] = service;
            }
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more container of a service (its own ports, the same Redis), ready.</summary>
    public async Task<ServiceContainer> StartServiceAsync(string app)
    {
        int grpc = FreePort.Next();
        int http = FreePort.Next();
        var environment = new Dictionary<string, string>(_settings[app])
        {
            ["Platform__BindAddress"] = "127.0.0.1",
            ["Platform__GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Platform__HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
            ["Platform__Redis"] = $"127.0.0.1:{RedisPort}",
            ["Platform__ShutdownTimeoutSeconds"] = "20",
            ["Identity__SigningKey"] = TestIdentity.SigningKey,
            ["EventBus__Transport"] = "Redis",
            // As the process-based end-to-end tests: short redelivery, quick dirty-seller loop.
            ["EventBus__ReadTimeoutMs"] = "500",
            ["EventBus__RedeliverIntervalMs"] = "1000",
            ["EventBus__ProcessingTimeoutMs"] = "3000",
            ["Scoring__SellerEvaluationPollMs"] = "50",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        // The scenario's silent buyer is marked in seconds and its late orders are due seconds after
        // placing, as in the process runs.
        var scenarioSettings = app switch
        {
            "messaging" => WalkingSkeleton.MessagingSettings,
            "orders" => WalkingSkeleton.OrdersSettings,
            _ => new Dictionary<string, string>(),
        };
        foreach (var (key, value) in scenarioSettings)
        {
            environment[key] = value;
        }

        var container = Locked(new ContainerBuilder(_engine.Image(app)), "/tmp", "mode=1777,size=64m")
            .WithName($"marketplace-test-{app}-{Guid.NewGuid():N}"[..40])
            .WithEnvironment(environment)
            .WithWaitStrategy(DotNet.Testcontainers.Builders.Wait.ForUnixContainer().AddCustomWaitStrategy(new ReadyzAnswers(http), w => w.WithTimeout(TimeSpan.FromSeconds(90))))
            .Build();
        _containers.Add(container);
        await container.StartAsync();
        return new ServiceContainer(app, container, grpc, http);
    }

    private async Task StartRedisAsync()
    {
        RedisPort = FreePort.Next();
        var container = Locked(new ContainerBuilder(_engine.RedisImage), "/data", "uid=999,gid=999,mode=0700,size=256m")
            .WithName($"marketplace-test-redis-{Guid.NewGuid():N}"[..40])
            .WithCommand("redis-server", "--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--dir", "/data", "--appendonly", "yes", "--save", "")
            .WithWaitStrategy(DotNet.Testcontainers.Builders.Wait.ForUnixContainer().UntilMessageIsLogged("Ready to accept connections"))
            .Build();
        _containers.Add(container);
        await container.StartAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{RedisPort},abortConnect=false");
    }

    /// <summary>Host networking and the chart's lockdown; the one writable path is a tmpfs.</summary>
    private static ContainerBuilder Locked(ContainerBuilder builder, string writable, string tmpfsOptions) => builder
        .WithCleanUp(true)
        .WithCreateParameterModifier(parameters =>
        {
            parameters.HostConfig ??= new HostConfig();
            parameters.HostConfig.NetworkMode = "host";
            parameters.HostConfig.ReadonlyRootfs = true;
            parameters.HostConfig.CapDrop = ["ALL"];
            parameters.HostConfig.SecurityOpt = ["no-new-privileges"];
            parameters.HostConfig.Tmpfs = new Dictionary<string, string> { [writable] = tmpfsOptions };
        });

    private Uri Grpc(string app) => new($"http://127.0.0.1:{Services[app].GrpcPort}");

    public async ValueTask DisposeAsync()
    {
        _redis?.Dispose();
        foreach (var container in Enumerable.Reverse(_containers))
        {
            await container.DisposeAsync();
        }
    }

    /// <summary>Ready when the service's <c>/readyz</c> answers 200 (its Redis answers).</summary>
    private sealed class ReadyzAnswers(int port) : IWaitUntil
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

        public async Task<bool> UntilAsync(IContainer container)
        {
            if (container.State is TestcontainersStates.Exited or TestcontainersStates.Dead)
            {
                var (stdout, stderr) = await container.GetLogsAsync();
                throw new InvalidOperationException($"{container.Image.FullName} exited before it was ready:\n{stdout}{stderr}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }
    }
}

/// <summary>One running service container and its ports.</summary>
public sealed record ServiceContainer(string App, IContainer Container, int GrpcPort, int HttpPort);

using System.Collections.Concurrent;
using Grpc.Core;
using Marketplace.Clients;
using Marketplace.Hosting.Tests.Probe;
using Marketplace.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.Hosting.Tests;

/// <summary>What the probe service's handlers saw and did, and the gate <c>Hold</c> waits on.</summary>
public sealed class ProbeState
{
    private long _runs;

    /// <summary>Completed when a <c>Hold</c> call has reached its handler.</summary>
    public TaskCompletionSource HoldEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by the test to let a waiting <c>Hold</c> call answer.</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many times any handler of the probe ran.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    public long Ran() => Interlocked.Increment(ref _runs);
}

/// <summary>The probe service: an authenticated gRPC API like the platform's, whose handlers misbehave on demand.</summary>
[Authorize]
public sealed class ProbeApi(ProbeState state) : ProbeService.ProbeServiceBase
{
    /// <summary>Text of the exception <c>Fail</c> throws; it must never reach a client.</summary>
    public const string SecretDetail = "connection string password=hunter2 at line 42";

    public override Task<ProbeReply> Fail(ProbeRequest request, ServerCallContext context)
    {
        state.Ran();
        throw new InvalidOperationException(SecretDetail);
    }

    public override Task<ProbeReply> Count(ProbeRequest request, ServerCallContext context) =>
        Task.FromResult(new ProbeReply { Text = request.Text, Runs = state.Ran() });

    public override async Task<ProbeReply> Hold(ProbeRequest request, ServerCallContext context)
    {
        long runs = state.Ran();
        state.HoldEntered.TrySetResult();
        await state.Release.Task;
        return new ProbeReply { Text = request.Text, Runs = runs };
    }
}

/// <summary>Log entries a host wrote, kept in memory so tests can look for what was logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs._entries.Enqueue((logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}

/// <summary>A <see cref="ServiceHost"/> serving the probe service next to the platform defaults (gRPC health, reflection, identity).</summary>
public sealed class ProbeHost : IAsyncDisposable
{
    private readonly TypedClients _clients;

    private ProbeHost(ServiceHost host, CapturedLogs logs)
    {
        Host = host;
        Logs = logs;
        _clients = TypedClients.For<ProbeService.ProbeServiceClient>(host.GrpcAddress);
    }

    public ServiceHost Host { get; }

    public CapturedLogs Logs { get; }

    public ProbeState State => Host.Services.GetRequiredService<ProbeState>();

    /// <summary>The generated typed client of the probe service, built through the client factory.</summary>
    public ProbeService.ProbeServiceClient Client => _clients.Get<ProbeService.ProbeServiceClient>();

    public static async Task<ProbeHost> StartAsync(string redisConnectionString)
    {
        var logs = new CapturedLogs();
        var host = await ServiceHost.StartAsync("probe", redisConnectionString,
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.AddSingleton<ProbeState>();
            },
            app => app.MapGrpcService<ProbeApi>());
        return new ProbeHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        _clients.Dispose();
        await Host.DisposeAsync();
    }
}

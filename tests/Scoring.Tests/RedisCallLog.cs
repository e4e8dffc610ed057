using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StackExchange.Redis.Profiling;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The Redis commands each gRPC call of the host sent, seen by StackExchange.Redis's profiler: a
/// server interceptor opens a profiling session for the call's async flow, and the host's
/// multiplexer hands every command issued in that flow to it (commands of the background loops and
/// the event consumers belong to no call and are not seen). A script counts as one command; the
/// commands a script runs inside Redis are not commands of the connection.
/// </summary>
public sealed class RedisCallLog : Interceptor
{
    private static readonly AsyncLocal<ProfilingSession?> Current = new();

    private readonly ConcurrentQueue<RedisCall> _calls = new();

    /// <summary>The profiler the host's multiplexer registers: the session of the call running in this flow, if any.</summary>
    public static ProfilingSession? Session() => Current.Value;

    /// <summary>Every call finished so far, in the order they finished.</summary>
    public IReadOnlyList<RedisCall> Calls => [.. _calls];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var session = new ProfilingSession();
        Current.Value = session;
        try
        {
            return await continuation(request, context);
        }
        finally
        {
            Current.Value = null;
            _calls.Enqueue(new RedisCall(context.Method, [.. session.FinishProfiling().OrderBy(c => c.CommandCreated).Select(c => c.Command)]));
        }
    }
}

/// <summary>One gRPC call and the Redis commands it sent, in the order they were created.</summary>
public sealed record RedisCall(string Method, IReadOnlyList<string> Commands)
{
    /// <summary>
    /// Round trips: each command is one, except that the commands a MULTI ... EXEC block queues go
    /// out together and count once.
    /// </summary>
    public int RoundTrips
    {
        get
        {
            int trips = 0;
            bool inTransaction = false;
            foreach (var command in Commands)
            {
                if (command == "MULTI")
                {
                    inTransaction = true;
                }
                else if (command == "EXEC")
                {
                    inTransaction = false;
                    trips++;
                }
                else if (!inTransaction)
                {
                    trips++;
                }
            }

            return trips;
        }
    }

    public override string ToString() => $"{Method}: {RoundTrips} round trips ({string.Join(" ", Commands)})";
}

using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Marketplace.Interop.Tests;

/// <summary>What the server side saw of a call the test tagged with <c>x-probe</c> metadata.</summary>
public sealed class ProbedCall
{
    public required string Method { get; init; }

    /// <summary>The call's deadline as the server parsed it from <c>grpc-timeout</c> (MaxValue: none).</summary>
    public required DateTime Deadline { get; init; }

    /// <summary>Completes when the call's cancellation token fires (deadline passed, client gone).</summary>
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Test instrumentation added to a service's interceptors (after the platform's own): records
/// the server-side view of calls carrying <c>x-probe: &lt;tag&gt;</c>, and changes nothing else.
/// </summary>
public sealed class CallProbe : Interceptor
{
    public const string Header = "x-probe";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<ProbedCall>> _calls = new();

    /// <summary>The call tagged <paramref name="tag"/>, once the server has started it.</summary>
    public Task<ProbedCall> CallAsync(string tag) => Slot(tag).Task;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (context.RequestHeaders.GetValue(Header) is { Length: > 0 } tag)
        {
            var seen = new ProbedCall { Method = context.Method, Deadline = context.Deadline };
            context.CancellationToken.Register(() => seen.Cancelled.TrySetResult());
            Slot(tag).TrySetResult(seen);
        }

        return continuation(request, context);
    }

    private TaskCompletionSource<ProbedCall> Slot(string tag) =>
        _calls.GetOrAdd(tag, _ => new TaskCompletionSource<ProbedCall>(TaskCreationOptions.RunContinuationsAsynchronously));
}

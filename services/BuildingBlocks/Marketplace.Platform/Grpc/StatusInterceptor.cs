using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Marketplace.EventBus;
using Marketplace.Domain;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.Platform.Grpc;

/// <summary>
/// The one place where what a handler throws becomes a gRPC status (SPEC 7):
/// a domain <see cref="RejectedException"/> ends with the status of its kind and its message;
/// Redis away or timing out is UNAVAILABLE (a client may retry); a commit that kept conflicting
/// is ABORTED; a call the client cancelled stays CANCELLED. Anything else is a bug: it is logged
/// with the trace id and the client gets INTERNAL with that trace id and nothing of the exception.
/// A call whose deadline passed before it started is not run (DEADLINE_EXCEEDED).
/// </summary>
public sealed partial class StatusInterceptor(ILogger<StatusInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        RefuseExpired(context);
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception e) when (Translate(e, context) is { } status)
        {
            throw status;
        }

        // A handler that completed without awaiting anything needs no state machine of ours: one
        // allocation fewer per call (bench/grpc's echo; answers served from memory).
        return call.IsCompletedSuccessfully ? call : AwaitUnary(call, context);
    }

    private async Task<TResponse> AwaitUnary<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call;
        }
        catch (Exception e) when (Translate(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        RefuseExpired(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Translate(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        RefuseExpired(context);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (Translate(e, context) is { } status)
        {
            throw status;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        RefuseExpired(context);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (Translate(e, context) is { } status)
        {
            throw status;
        }
    }

    /// <summary>The gRPC status for <paramref name="e"/>, or null to let it pass unchanged (already a status, or the call's own cancellation).</summary>
    private RpcException? Translate(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RpcException:
                return null;
            case RejectedException rejected:
                return new RpcException(new Status(StatusCodeOf(rejected.Rejection.Kind), rejected.Rejection.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return null;
            case RedisConnectionException or RedisTimeoutException:
                LogUnavailable(logger, context.Method, e.Message);
                return new RpcException(new Status(StatusCode.Unavailable, "storage is unavailable for now; retry the call"));
            case ConcurrencyConflictException:
                return new RpcException(new Status(StatusCode.Aborted, "the change conflicted with concurrent changes too many times; retry the call"));
            default:
                string traceId = Activity.Current?.TraceId.ToHexString() ?? context.GetHttpContext().TraceIdentifier;
                LogUnexpected(logger, e, context.Method, traceId);
                return new RpcException(new Status(StatusCode.Internal, $"internal error (trace id {traceId})"));
        }
    }

    private void RefuseExpired(ServerCallContext context)
    {
        // Deadlines are wall-clock times (Grpc.AspNetCore sets them from grpc-timeout on arrival),
        // so they are compared with the system clock, never with a service's simulated clock.
        if (context.Deadline != DateTime.MaxValue && context.Deadline <= DateTime.UtcNow)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline passed before it started; it was not run"));
        }
    }

    public static StatusCode StatusCodeOf(RejectionKind kind) => kind switch
    {
        RejectionKind.InvalidArgument => StatusCode.InvalidArgument,
        RejectionKind.NotFound => StatusCode.NotFound,
        RejectionKind.FailedPrecondition => StatusCode.FailedPrecondition,
        RejectionKind.PermissionDenied => StatusCode.PermissionDenied,
        RejectionKind.AlreadyExists => StatusCode.AlreadyExists,
        RejectionKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: Redis is unavailable ({Error}); answered UNAVAILABLE")]
    private static partial void LogUnavailable(ILogger logger, string method, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed unexpectedly (trace id {TraceId}); answered INTERNAL")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string traceId);
}

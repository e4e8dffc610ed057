using System.Reflection;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Marketplace.Grpc;

/// <summary>
/// One RPC bound to its service method: the shared call lifecycle (checks, deadline, status
/// from exceptions) around a typed invocation. The delegate to the service method is created
/// once at start-up; nothing is looked up per call.
/// </summary>
internal abstract class ServerMethodHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly GrpcServerRuntime _runtime;
    private readonly Lazy<TService> _service;

    protected ServerMethodHandler(GrpcServerRuntime runtime, Lazy<TService> service, string path, MessageParser<TRequest> parser)
    {
        _runtime = runtime;
        _service = service;
        Path = path;
        Parser = parser;
        MaxReceiveSize = runtime.Options.MaxReceiveMessageSize;
        MaxSendSize = runtime.Options.MaxSendMessageSize;
    }

    public string Path { get; }

    protected MessageParser<TRequest> Parser { get; }

    protected int MaxReceiveSize { get; }

    protected int? MaxSendSize { get; }

    protected TService Service => _service.Value;

    /// <summary>
    /// Serves one call. Synchronous when the method completes synchronously and the request
    /// was already buffered (the common unary case): no async state machine on that path.
    /// </summary>
    public Task HandleAsync(HttpContext http)
    {
        if (!ServerCall.Validate(http, _runtime) || !ServerCall.TryGetTimeout(http, out var timeout))
        {
            return Task.CompletedTask;
        }

        if (!string.Equals(http.Request.Path.Value, Path, StringComparison.Ordinal))
        {
            // Routing ignores case; gRPC method names do not.
            ServerCall.WriteUnimplemented(http);
            return Task.CompletedTask;
        }

        ServerCall.StartResponse(http);
        CancellationTokenSource? deadlineSource = null;
        var deadline = DateTime.MaxValue;
        CancellationToken? deadlineToken = null;
        if (timeout is { } t)
        {
            var now = DateTime.UtcNow;
            deadline = t < DateTime.MaxValue - now ? now + t : DateTime.MaxValue;
            deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            if (t.TotalMilliseconds < int.MaxValue)
            {
                deadlineSource.CancelAfter(t);
            }

            deadlineToken = deadlineSource.Token;
        }

        var context = new ServerCallContext(http, Path, deadline, deadlineToken);
        ValueTask invocation;
        try
        {
            invocation = InvokeAsync(http, context);
        }
        catch (Exception e)
        {
            invocation = ValueTask.FromException(e);
        }

        if (invocation.IsCompletedSuccessfully)
        {
            ServerCall.Complete(http, context);
            deadlineSource?.Dispose();
            return Task.CompletedTask;
        }

        return FinishAsync(http, context, invocation, deadlineSource);
    }

    private async Task FinishAsync(HttpContext http, ServerCallContext context, ValueTask invocation, CancellationTokenSource? deadlineSource)
    {
        try
        {
            await invocation;
            ServerCall.Complete(http, context);
        }
        catch (Exception e)
        {
            bool deadlineExceeded = deadlineSource is { IsCancellationRequested: true } && !http.RequestAborted.IsCancellationRequested;
            await ServerCall.FailAsync(http, context, e, deadlineExceeded, _runtime);
        }
        finally
        {
            deadlineSource?.Dispose();
        }
    }

    /// <summary>Reads the request(s), calls the service method, writes the response(s); the status is written by the caller.</summary>
    protected abstract ValueTask InvokeAsync(HttpContext http, ServerCallContext context);

    protected static TDelegate CreateDelegate<TDelegate>(MethodInfo method)
        where TDelegate : Delegate => (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method);
}

/// <summary><c>Task&lt;TResponse&gt; M(TRequest, ServerCallContext)</c>.</summary>
internal sealed class UnaryHandler<TService, TRequest, TResponse>(
    GrpcServerRuntime runtime, Lazy<TService> service, string path, MessageParser<TRequest> parser, MethodInfo method)
    : ServerMethodHandler<TService, TRequest, TResponse>(runtime, service, path, parser)
    where TService : class
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly Func<TService, TRequest, ServerCallContext, Task<TResponse>> _invoke =
        CreateDelegate<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>(method);

    protected override ValueTask InvokeAsync(HttpContext http, ServerCallContext context)
    {
        if (!ServerCall.TryReadBufferedSingleMessage(http, Parser, MaxReceiveSize, out var request))
        {
            return InvokeAfterReadingAsync(http, context);
        }

        var response = _invoke(Service, request, context);
        if (!response.IsCompletedSuccessfully)
        {
            return WriteWhenDoneAsync(http, context, response);
        }

        ServerCall.WriteMessage(http, context, response.Result, MaxSendSize);
        return ValueTask.CompletedTask;
    }

    // Pooled builders: a call that has to wait allocates no state machine box per await chain.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask InvokeAfterReadingAsync(HttpContext http, ServerCallContext context)
    {
        var request = await ServerCall.ReadSingleMessageAsync(http, Parser, MaxReceiveSize, context.CancellationToken);
        var response = await _invoke(Service, request, context);
        ServerCall.WriteMessage(http, context, response, MaxSendSize);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteWhenDoneAsync(HttpContext http, ServerCallContext context, Task<TResponse> response) =>
        ServerCall.WriteMessage(http, context, await response, MaxSendSize);
}

/// <summary><c>Task M(TRequest, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c>.</summary>
internal sealed class ServerStreamingHandler<TService, TRequest, TResponse>(
    GrpcServerRuntime runtime, Lazy<TService> service, string path, MessageParser<TRequest> parser, MethodInfo method)
    : ServerMethodHandler<TService, TRequest, TResponse>(runtime, service, path, parser)
    where TService : class
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> _invoke =
        CreateDelegate<Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(method);

    protected override async ValueTask InvokeAsync(HttpContext http, ServerCallContext context)
    {
        var request = await ServerCall.ReadSingleMessageAsync(http, Parser, MaxReceiveSize, context.CancellationToken);
        await _invoke(Service, request, new ResponseStreamWriter<TResponse>(http, context, MaxSendSize), context);
    }
}

/// <summary><c>Task&lt;TResponse&gt; M(IAsyncStreamReader&lt;TRequest&gt;, ServerCallContext)</c>.</summary>
internal sealed class ClientStreamingHandler<TService, TRequest, TResponse>(
    GrpcServerRuntime runtime, Lazy<TService> service, string path, MessageParser<TRequest> parser, MethodInfo method)
    : ServerMethodHandler<TService, TRequest, TResponse>(runtime, service, path, parser)
    where TService : class
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> _invoke =
        CreateDelegate<Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>>(method);

    protected override async ValueTask InvokeAsync(HttpContext http, ServerCallContext context)
    {
        var requests = new RequestStreamReader<TRequest>(http, context, Parser, MaxReceiveSize);
        var response = await _invoke(Service, requests, context);
        ServerCall.WriteMessage(http, context, response, MaxSendSize);
    }
}

/// <summary><c>Task M(IAsyncStreamReader&lt;TRequest&gt;, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c>.</summary>
internal sealed class DuplexStreamingHandler<TService, TRequest, TResponse>(
    GrpcServerRuntime runtime, Lazy<TService> service, string path, MessageParser<TRequest> parser, MethodInfo method)
    : ServerMethodHandler<TService, TRequest, TResponse>(runtime, service, path, parser)
    where TService : class
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> _invoke =
        CreateDelegate<Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(method);

    protected override ValueTask InvokeAsync(HttpContext http, ServerCallContext context) =>
        new(_invoke(
            Service,
            new RequestStreamReader<TRequest>(http, context, Parser, MaxReceiveSize),
            new ResponseStreamWriter<TResponse>(http, context, MaxSendSize),
            context));
}

/// <summary>The request stream of a client-streaming or bidirectional call, framed from the request PipeReader.</summary>
internal sealed class RequestStreamReader<T>(HttpContext http, ServerCallContext context, MessageParser<T> parser, int maxSize) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private bool _ended;

    public T Current { get; private set; } = default!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        var token = cancellationToken.CanBeCanceled ? cancellationToken : context.CancellationToken;
        var (ok, message) = await ServerCall.ReadNextMessageAsync(http, parser, maxSize, token);
        if (!ok)
        {
            _ended = true;
            return false;
        }

        Current = message!;
        return true;
    }
}

/// <summary>The response stream of a call: each message serialized into the response PipeWriter and flushed.</summary>
internal sealed class ResponseStreamWriter<T>(HttpContext http, ServerCallContext context, int? maxSize) : IServerStreamWriter<T>
    where T : IMessage<T>
{
    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        ServerCall.WriteMessage(http, context, message, maxSize);
        var token = cancellationToken.CanBeCanceled ? cancellationToken : context.CancellationToken;
        await http.Response.BodyWriter.FlushAsync(token);
    }
}

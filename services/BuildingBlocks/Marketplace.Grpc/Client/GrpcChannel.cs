using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Marketplace.Grpc;

/// <summary>
/// A connection to one gRPC server (<c>http://host:port</c>, HTTP/2 with prior knowledge), as
/// grpc-dotnet's <c>GrpcChannel</c>. One <see cref="SocketsHttpHandler"/> per channel: calls
/// share its HTTP/2 connection(s), so create one channel per target and reuse it. Calls are
/// typed from the generated <see cref="MethodDescriptor"/>s.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<MethodDescriptor, string> _paths = new();
    private readonly bool _ownsHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        _ownsHandler = options.HttpHandler is null;
        var handler = options.HttpHandler ?? new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        Invoker = new HttpMessageInvoker(handler, _ownsHandler);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) => ForAddress(new Uri(address), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        if (address.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"Channel address '{address}' must be http:// (cleartext HTTP/2 with prior knowledge).", nameof(address));
        }

        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    /// <summary>A unary call; retried on UNAVAILABLE when marked idempotent and a retry pipeline is configured.</summary>
    public AsyncUnaryCall<TResponse> UnaryAsync<TRequest, TResponse>(MethodDescriptor method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        string path = PathOf<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: false);
        if (options.IsIdempotent && Options.UnavailableRetry is { } retry)
        {
            var attempts = new RetriedCallState();
            var response = retry.ExecuteAsync(
                static async (state, _) =>
                {
                    var (channel, path, request, options, attempts) = state;
                    var attempt = new ClientCall<TRequest, TResponse>(channel, path, options);
                    attempts.Current = attempt;
                    return await UnaryAttemptAsync(attempt, request);
                },
                (this, path, request, options, attempts),
                options.CancellationToken).AsTask();
            return new AsyncUnaryCall<TResponse>(response, attempts);
        }

        var call = new ClientCall<TRequest, TResponse>(this, path, options);
        return new AsyncUnaryCall<TResponse>(UnaryAttemptAsync(call, request), call);
    }

    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(MethodDescriptor method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        string path = PathOf<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: true);
        var call = new ClientCall<TRequest, TResponse>(this, path, options);
        var started = StartSingleAsync(call, request);
        return new AsyncServerStreamingCall<TResponse>(new ClientResponseStream<TRequest, TResponse>(call, started, ParserOf<TResponse>(method)), call);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(MethodDescriptor method, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        string path = PathOf<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: false);
        var call = new ClientCall<TRequest, TResponse>(this, path, options);
        var content = new StreamingContent();
        var started = StartStreamingAsync(call, content);
        var response = ReadAfterStartAsync(call, started, ParserOf<TResponse>(method));
        return new AsyncClientStreamingCall<TRequest, TResponse>(new ClientRequestStream<TRequest, TResponse>(call, content), response, call);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(MethodDescriptor method, CallOptions options = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        string path = PathOf<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: true);
        var call = new ClientCall<TRequest, TResponse>(this, path, options);
        var content = new StreamingContent();
        var started = StartStreamingAsync(call, content);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new ClientRequestStream<TRequest, TResponse>(call, content),
            new ClientResponseStream<TRequest, TResponse>(call, started, ParserOf<TResponse>(method)),
            call);
    }

    public void Dispose() => Invoker.Dispose();

    private static async Task<TResponse> UnaryAttemptAsync<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, TRequest request)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        await StartSingleAsync(call, request);
        return await call.ReadSingleAsync(MessageInfo<TResponse>.Parser);
    }

    private static Task StartSingleAsync<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, TRequest request)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        byte[] frame;
        try
        {
            frame = call.Frame(request);
        }
        catch (RpcException e)
        {
            return Task.FromException(call.Fail(e));
        }

        return call.StartAsync(new SingleMessageContent(frame));
    }

    private static async Task StartStreamingAsync<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, StreamingContent content)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        try
        {
            await call.StartAsync(content);
        }
        catch (RpcException e)
        {
            content.Abort(e);
            throw;
        }
    }

    private static async Task<TResponse> ReadAfterStartAsync<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, Task started, MessageParser<TResponse> parser)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        await started;
        return await call.ReadSingleAsync(parser);
    }

    private string PathOf<TRequest, TResponse>(MethodDescriptor method, bool clientStreaming, bool serverStreaming)
    {
        if (method.IsClientStreaming != clientStreaming || method.IsServerStreaming != serverStreaming)
        {
            throw new ArgumentException($"{method.FullName} is {Kind(method.IsClientStreaming, method.IsServerStreaming)}, not {Kind(clientStreaming, serverStreaming)}.", nameof(method));
        }

        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{method.FullName} takes {method.InputType.ClrType.Name} and returns {method.OutputType.ClrType.Name}, not {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(method));
        }

        return _paths.GetOrAdd(method, static m => $"/{m.Service.FullName}/{m.Name}");
    }

    private static MessageParser<T> ParserOf<T>(MethodDescriptor method)
        where T : IMessage<T> => (MessageParser<T>)method.OutputType.Parser;

    private static string Kind(bool clientStreaming, bool serverStreaming) => (clientStreaming, serverStreaming) switch
    {
        (false, false) => "unary",
        (false, true) => "server streaming",
        (true, false) => "client streaming",
        (true, true) => "bidirectional streaming",
    };

    /// <summary>The state of a retried unary call: its latest attempt.</summary>
    private sealed class RetriedCallState : IClientCallState
    {
        private readonly TaskCompletionSource<Metadata> _noAttempt = new();

        public IClientCallState? Current { get; set; }

        public Task<Metadata> ResponseHeadersAsync => Current?.ResponseHeadersAsync ?? _noAttempt.Task;

        public Status GetStatus() => (Current ?? throw new InvalidOperationException("The call has not started.")).GetStatus();

        public Metadata GetTrailers() => (Current ?? throw new InvalidOperationException("The call has not started.")).GetTrailers();

        public void Dispose() => Current?.Dispose();
    }

    /// <summary>The parser of a generated message type, looked up once per type.</summary>
    private static class MessageInfo<T>
        where T : IMessage<T>
    {
        public static readonly MessageParser<T> Parser =
            (MessageParser<T>)typeof(T).GetProperty("Parser", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
    }
}

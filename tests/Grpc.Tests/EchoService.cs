using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Testing.Echo.V1;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// What the echo service saw: <c>deadline-set:&lt;message&gt;</c> when a delayed call carried a
/// deadline, <c>ended:&lt;message&gt;</c> when its cancellation token fired (client cancel or deadline).
/// </summary>
public sealed class EchoObservations
{
    private readonly ConcurrentQueue<string> _events = new();

    public void Record(string entry) => _events.Enqueue(entry);

    public bool Seen(string entry) => _events.Contains(entry);

    /// <summary>Waits (generously) until an event was recorded; the wait bounds the test, it does not measure anything.</summary>
    public async Task<bool> WaitForAsync(string entry, TimeSpan? within = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < (within ?? TimeSpan.FromSeconds(15)))
        {
            if (_events.Contains(entry))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }
}

/// <summary>
/// The test service of <c>echo.proto</c>, written exactly as a platform service would be:
/// a plain class with grpc-dotnet method signatures. Request metadata <c>x-meta-*</c> is
/// echoed in the response headers and, renamed <c>x-trail-*</c>, in the trailers.
/// </summary>
public sealed class EchoService(EchoObservations observations)
{
    public const string ThrowMessage = "throw";
    public const string SecretDetail = "secret detail that must not reach the client";

    public async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        var started = Stopwatch.StartNew();
        await EchoMetadataAsync(context);
        await BehaveAsync(request, context);
        return Reply(request, context, 0, started);
    }

    public async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var started = Stopwatch.StartNew();
        await EchoMetadataAsync(context);
        for (int i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(Reply(request, context, i, started));
        }

        await BehaveAsync(request, context);
    }

    public async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var started = Stopwatch.StartNew();
        await EchoMetadataAsync(context);
        var messages = new List<string>();
        int payloadBytes = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            await BehaveAsync(request, context);
            messages.Add(request.Message);
            payloadBytes += request.Payload.Length;
        }

        return new EchoReply
        {
            Message = string.Join(",", messages),
            Index = payloadBytes,
            ConnectionId = context.GetHttpContext().Connection.Id,
            Elapsed = Duration.FromTimeSpan(started.Elapsed),
        };
    }

    public async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var started = Stopwatch.StartNew();
        await EchoMetadataAsync(context);
        int index = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await BehaveAsync(requestStream.Current, context);
            await responseStream.WriteAsync(Reply(requestStream.Current, context, index++, started));
        }
    }

    private static EchoReply Reply(EchoRequest request, ServerCallContext context, int index, Stopwatch started) => new()
    {
        Message = request.Message,
        Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : request.Payload,
        Index = index,
        ConnectionId = context.GetHttpContext().Connection.Id,
        Elapsed = Duration.FromTimeSpan(started.Elapsed),
    };

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith("x-meta-", StringComparison.Ordinal))
            {
                continue;
            }

            string trailerKey = "x-trail-" + entry.Key["x-meta-".Length..];
            if (entry.IsBinary)
            {
                headers.Add(entry.Key, entry.ValueBytes);
                context.ResponseTrailers.Add(trailerKey, entry.ValueBytes);
            }
            else
            {
                headers.Add(entry.Key, entry.Value);
                context.ResponseTrailers.Add(trailerKey, entry.Value);
            }
        }

        if (headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(headers);
        }
    }

    private async Task BehaveAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            if (context.Deadline != DateTime.MaxValue)
            {
                observations.Record($"deadline-set:{request.Message}");
            }

            try
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                observations.Record($"ended:{request.Message}");
                throw;
            }
        }

        if (request.Message == ThrowMessage)
        {
            throw new InvalidOperationException(SecretDetail);
        }

        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }
    }
}

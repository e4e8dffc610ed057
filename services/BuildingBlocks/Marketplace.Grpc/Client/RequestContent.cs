using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace Marketplace.Grpc;

/// <summary>The body of a unary or server-streaming request: one framed message, sent with END_STREAM.</summary>
internal sealed class SingleMessageContent(byte[] frame) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(frame, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = frame.Length;
        return true;
    }
}

/// <summary>
/// The body of a client-streaming or bidirectional request: HttpClient hands over the request
/// stream, the <see cref="ClientRequestStream{T}"/> writes frames into it as the caller writes,
/// and <see cref="Complete"/> ends it (END_STREAM).
/// </summary>
internal sealed class StreamingContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Stream> StreamAsync => _stream.Task;

    public void Complete() => _complete.TrySetResult();

    public void Abort(Exception reason)
    {
        _stream.TrySetException(reason);
        _complete.TrySetException(reason);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await _complete.Task.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}

/// <summary>The request stream of a client-streaming or bidirectional call.</summary>
internal sealed class ClientRequestStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, StreamingContent content) : IClientStreamWriter<TRequest>
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private bool _completed;

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The request stream was already completed.");
        }

        if (call.IsFinished)
        {
            throw call.Fail(new InvalidOperationException("The call has already finished."));
        }

        int size = message.CalculateSize();
        call.CheckSendSize(size);
        byte[] rented = ArrayPool<byte>.Shared.Rent(MessageFraming.HeaderSize + size);
        try
        {
            rented[0] = 0;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(rented.AsSpan(1), (uint)size);
            message.WriteTo(rented.AsSpan(MessageFraming.HeaderSize, size));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CallToken);
            var stream = await content.StreamAsync.WaitAsync(linked.Token);
            await stream.WriteAsync(rented.AsMemory(0, MessageFraming.HeaderSize + size), linked.Token);
            await stream.FlushAsync(linked.Token);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw call.Fail(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public Task CompleteAsync()
    {
        _completed = true;
        content.Complete();
        return Task.CompletedTask;
    }
}

/// <summary>The response stream of a server-streaming or bidirectional call.</summary>
internal sealed class ClientResponseStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call, Task started, MessageParser<TResponse> parser) : IAsyncStreamReader<TResponse>
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public TResponse Current { get; private set; } = default!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        await started;
        using var registration = cancellationToken.Register(static c => ((ClientCall<TRequest, TResponse>)c!).Dispose(), call);
        var (ok, message) = await call.ReadNextAsync(parser);
        if (ok)
        {
            Current = message!;
        }

        return ok;
    }
}

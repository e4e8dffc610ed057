using Google.Protobuf;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Marketplace.Grpc;

/// <summary>
/// <c>grpc.reflection.v1.ServerReflection</c>: lets grpcurl and reflection clients list the
/// services and fetch their descriptors. One response per request, in order.
/// </summary>
public sealed class GrpcReflectionService
{
    private readonly Lazy<ReflectionIndex> _index;

    internal GrpcReflectionService(GrpcServerRuntime runtime)
    {
        _index = new Lazy<ReflectionIndex>(() => new ReflectionIndex(runtime.Services));
    }

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(_index.Value.Answer(requestStream.Current));
        }
    }

    internal V1.ServerReflectionResponse Answer(V1.ServerReflectionRequest request) => _index.Value.Answer(request);
}

/// <summary>
/// <c>grpc.reflection.v1alpha.ServerReflection</c>, still the one many clients ask for. Its
/// messages are field-for-field the v1 ones, so requests and answers are re-read as v1.
/// </summary>
public sealed class GrpcReflectionV1AlphaService
{
    private readonly GrpcReflectionService _v1;

    internal GrpcReflectionV1AlphaService(GrpcReflectionService v1)
    {
        _v1 = v1;
    }

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var answer = _v1.Answer(request);
            await responseStream.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()));
        }
    }
}

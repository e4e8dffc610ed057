using System.Net;
using Google.Protobuf;
using Marketplace.Grpc;
using Marketplace.Grpc.Bench;
using Marketplace.Testing.Echo.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// Usage:
//   Marketplace.Grpc.BenchServer ours <port>    echo Unary on the gRPC layer
//   Marketplace.Grpc.BenchServer bare <port>    same response bytes from a bare Kestrel endpoint
//   Marketplace.Grpc.BenchServer frame <file>   writes the framed request h2load sends
// Both servers count responses that ended with grpc-status 0 and print the count on stop,
// because h2load counts any HTTP 200 as a success; they also print the bytes they allocated
// and the CPU time they used, for per-request figures.
if (args is ["frame", string file])
{
    File.WriteAllBytes(file, BenchMessages.Frame(BenchMessages.Request));
    return 0;
}

if (args is not [("ours" or "bare") and string mode, string portText] || !int.TryParse(portText, out int port))
{
    Console.Error.WriteLine("usage: Marketplace.Grpc.BenchServer (ours|bare) <port> | frame <file>");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
});
builder.Services.AddGrpcLayer();
var app = builder.Build();

long okResponses = 0;
app.Use(async (context, next) =>
{
    await next(context);
    var trailers = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers;
    if (trailers is not null && trailers.GrpcStatus == "0")
    {
        Interlocked.Increment(ref okResponses);
    }
});

if (mode == "ours")
{
    app.MapGrpcService<BenchEchoService>(EchoReflection.Descriptor.Services[0]);
}
else
{
    byte[] responseFrame = BenchMessages.Frame(new EchoReply { Message = BenchMessages.Request.Message });
    app.MapPost("/marketplace.testing.v1.Echo/Unary", async context =>
    {
        // Consume the request as a server must, then write the precomputed reply.
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync();
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        context.Response.ContentType = "application/grpc";
        await context.Response.BodyWriter.WriteAsync(responseFrame);
        context.Response.AppendTrailer("grpc-status", "0");
    });
}

app.Lifetime.ApplicationStopped.Register(() =>
{
    Console.WriteLine($"OK_RESPONSES {Interlocked.Read(ref okResponses)}");
    Console.WriteLine($"ALLOCATED_BYTES {GC.GetTotalAllocatedBytes(precise: true)}");
    Console.WriteLine($"CPU_MS {Environment.CpuUsage.TotalTime.TotalMilliseconds:F0}");
});
await app.StartAsync();
Console.WriteLine($"LISTENING {port}");
await app.WaitForShutdownAsync();
return 0;

using System.Net;
using Marketplace.Bench.Grpc;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// Usage:
//   Marketplace.Bench.GrpcServer ours <grpc port> <http port> <redis>   echo Unary on the platform's stack
//   Marketplace.Bench.GrpcServer scoring <grpc port> <http port> <redis>  the Scoring service with a seeded Gig
//   Marketplace.Bench.GrpcServer scoring-inproc <grpc port> <http port> <redis> <calls> <in flight> <warm-up chunk> <JIT settled> <max chunks>
//                                                                       GetGigScore's read path without the transport
//   Marketplace.Bench.GrpcServer sink <port>                            stand-in OTLP collector for the telemetry of ours/scoring
//   Marketplace.Bench.GrpcServer minimal <port>                         echo Unary on Grpc.AspNetCore alone (calibration)
//   Marketplace.Bench.GrpcServer bare <port>                            same response bytes from bare Kestrel
//   Marketplace.Bench.GrpcServer floor <port> <redis>                   bare Kestrel + one Redis round trip per call (GetGigScore's floor)
//   Marketplace.Bench.GrpcServer frame <file>                           writes the framed request h2load sends
//   Marketplace.Bench.GrpcServer frame-gig-score <file>                 writes the framed GetGigScore request of the seeded Gig
//   Marketplace.Bench.GrpcServer token <subject> <role>                 prints a bearer value "ours" accepts
// The servers count the responses that ended with grpc-status 0 in their trailers (h2load counts
// any HTTP 200 as a success) and print, every 100 ms, a line
//   STATS <grpc-status 0 responses> <JIT-compiled methods> <allocated bytes> <CPU ms>
// from which run.sh tells when a warm-up has let the JIT settle (a chunk of calls compiled almost
// no new methods) and takes the CPU and allocations of each measured run alone; on stop they print
// OK_RESPONSES <count>.
switch (args)
{
    case ["frame", string file]:
        File.WriteAllBytes(file, BenchMessages.Frame(BenchMessages.Request));
        return 0;
    case ["frame-gig-score", string file]:
        File.WriteAllBytes(file, BenchMessages.Frame(new Marketplace.Contracts.Scoring.V1.GetGigScoreRequest { GigId = ScoringBench.GigId }));
        return 0;
    case ["token", string subject, string role] when CallerRoles.TryParse(role, out var callerRole):
        Console.WriteLine(new TokenIssuer(BenchIdentity.SigningKey).Bearer(subject, callerRole));
        return 0;
    case ["ours", string grpcPort, string httpPort, string redis]:
        return await RunAsync(Ours(grpcPort, httpPort, redis), Int(grpcPort));
    case ["scoring", string grpcPort, string httpPort, string redis]:
    {
        var scoring = ScoringBench.Build(grpcPort, httpPort, redis);
        await scoring.StartAsync();
        await ScoringBench.SeedAsync(scoring, redis);
        return await RunAsync(scoring, Int(grpcPort), started: true);
    }

    case ["scoring-inproc", string grpcPort, string httpPort, string redis, string calls, string inFlight, string chunk, string settled, string maxChunks]:
    {
        // The read path of GetGigScore without the transport: what part of a call's CPU is Scoring's own.
        var scoring = ScoringBench.Build(grpcPort, httpPort, redis);
        await scoring.StartAsync();
        await ScoringBench.SeedAsync(scoring, redis);
        var warmUp = new JitWarmUp(Int(chunk), Int(settled), Int(maxChunks));
        await ScoringBench.ReadLoopAsync(scoring, Int(calls), Int(inFlight), warmUp);
        await scoring.StopAsync();
        return 0;
    }

    case ["minimal", string port]:
        return await RunAsync(Minimal(Int(port)), Int(port));
    case ["floor", string port, string redis]:
        return await RunAsync(await FloorServer.BuildAsync(Int(port), redis), Int(port));
    case ["sink", string port]:
        return await RunAsync(Sink(Int(port)), Int(port), stats: false);
    case ["bare", string port]:
        return await RunAsync(Bare(Int(port)), Int(port));
    default:
        Console.Error.WriteLine("usage: Marketplace.Bench.GrpcServer ours|scoring <grpc port> <http port> <redis> | scoring-inproc <grpc port> <http port> <redis> <calls> <in flight> <warm-up chunk> <JIT settled> <max chunks> | minimal <port> | bare <port> | floor <port> <redis> | sink <port> | frame <file> | token <subject> <role>");
        return 2;
}

// A platform service as its Program.cs composes one, serving the echo API.
static WebApplication Ours(string grpcPort, string httpPort, string redis)
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Platform:BindAddress"] = "127.0.0.1",
        ["Platform:GrpcPort"] = grpcPort,
        ["Platform:HttpPort"] = httpPort,
        ["Platform:Redis"] = redis,
        ["Identity:SigningKey"] = BenchIdentity.SigningKey,
        // As in the services' appsettings.json.
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    });
    builder.AddServiceDefaults("bench-echo");
    var app = builder.Build();
    app.UseMiddleware<OkResponses>();
    app.MapServiceDefaults();
    app.MapGrpcService<BenchEchoApi>();
    return app;
}

// For calibration: Grpc.AspNetCore with nothing of the platform (no authentication, interceptor,
// telemetry or logging), the floor any service built on Grpc.AspNetCore starts from.
static WebApplication Minimal(int port)
{
    var builder = BareKestrel.Builder(port);
    builder.Services.AddGrpc();
    var app = builder.Build();
    app.UseMiddleware<OkResponses>();
    app.MapGrpcService<MinimalEchoApi>();
    return app;
}

// A stand-in OpenTelemetry collector (OTLP over gRPC): accepts every export, answers an empty
// message with grpc-status 0, so "ours" and "scoring" run with telemetry exported as in a cluster.
static WebApplication Sink(int port)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
    var app = builder.Build();
    byte[] empty = [0, 0, 0, 0, 0];
    app.MapPost("/{service}/{method}", async context =>
    {
        await context.Request.Body.CopyToAsync(Stream.Null);
        context.Response.ContentType = "application/grpc";
        await context.Response.BodyWriter.WriteAsync(empty);
        context.Response.AppendTrailer("grpc-status", "0");
        Interlocked.Increment(ref SinkExports.Count);
    });
    app.Lifetime.ApplicationStopping.Register(() => Console.WriteLine($"EXPORTS {Interlocked.Read(ref SinkExports.Count)}"));
    return app;
}

// Kestrel's HTTP/2 alone: read the request, write the precomputed reply frame and grpc-status 0.
static WebApplication Bare(int port)
{
    var app = BareKestrel.Builder(port).Build();
    app.UseMiddleware<OkResponses>();
    byte[] responseFrame = BenchMessages.Frame(new Marketplace.Bench.V1.EchoReply { Message = BenchMessages.Request.Message });
    app.MapPost("/marketplace.bench.v1.Echo/Unary", async context =>
    {
        await BareKestrel.DrainAsync(context.Request.BodyReader);
        context.Response.ContentType = "application/grpc";
        await context.Response.BodyWriter.WriteAsync(responseFrame);
        context.Response.AppendTrailer("grpc-status", "0");
    });
    return app;
}

static int Int(string value) => int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

static async Task<int> RunAsync(WebApplication app, int port, bool started = false, bool stats = true)
{
    var allocations = AllocationSampler.StartFromEnvironment();
    app.Lifetime.ApplicationStopped.Register(() => Console.WriteLine($"OK_RESPONSES {OkResponses.Count}"));
    app.Lifetime.ApplicationStopping.Register(() => allocations?.Print());
    if (!started)
    {
        await app.StartAsync();
    }

    Console.WriteLine($"LISTENING {port}");
    if (stats)
    {
        _ = BenchStats.ReportAsync(TimeSpan.FromMilliseconds(100), app.Lifetime.ApplicationStopping);
    }

    await app.WaitForShutdownAsync();
    return 0;
}

namespace Marketplace.Bench.Grpc
{
    /// <summary>The signing key of the benchmark's "ours" server and of the tokens run.sh sends it.</summary>
    internal static class BenchIdentity
    {
        public const string SigningKey = "bench-signing-key-of-at-least-thirty-two-bytes";
    }

    /// <summary>How many telemetry exports the stand-in collector received.</summary>
    internal static class SinkExports
    {
        public static long Count;
    }

    /// <summary>Counts the responses whose trailers carry grpc-status 0.</summary>
    internal sealed class OkResponses(RequestDelegate next)
    {
        private static long _count;

        public static long Count => Interlocked.Read(ref _count);

        public async Task InvokeAsync(HttpContext context)
        {
            await next(context);
            if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers && trailers.GrpcStatus == "0")
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}

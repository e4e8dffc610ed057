using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Marketplace.Bench.Grpc;

/// <summary>What the calibration servers (minimal, bare, floor) share: Kestrel alone, and a request body read to its end.</summary>
public static class BareKestrel
{
    /// <summary>A slim host serving HTTP/2 with prior knowledge on 127.0.0.1:<paramref name="port"/>, with no logging and no Server header.</summary>
    public static WebApplicationBuilder Builder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }

    /// <summary>Reads the request body to its end, keeping nothing (the reply is precomputed).</summary>
    public static async Task DrainAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync();
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }
}

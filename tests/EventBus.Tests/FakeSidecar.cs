using System.Net;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// A real HTTP server on a free port standing in for the Dapr sidecar's publish endpoint
/// (<c>POST /v1.0/publish/{pubsub}/{topic}</c>): it records every request and answers with the
/// status codes the test queues (then 204).
/// </summary>
internal sealed class FakeSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<int> _answers;

    private FakeSidecar(WebApplication app, int port, IEnumerable<int> answers)
    {
        _app = app;
        Port = port;
        _answers = new Queue<int>(answers);
    }

    public sealed record Request(string Path, string? ContentType, byte[] Body);

    public int Port { get; }

    public List<Request> Requests { get; } = [];

    public static async Task<FakeSidecar> StartAsync(params int[] answers)
    {
        int port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var sidecar = new FakeSidecar(app, port, answers);
        app.MapPost("/v1.0/publish/{pubsub}/{topic}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            int status;
            lock (sidecar.Requests)
            {
                sidecar.Requests.Add(new Request(http.Request.Path, http.Request.ContentType, body.ToArray()));
                status = sidecar._answers.Count > 0 ? sidecar._answers.Dequeue() : 204;
            }

            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return sidecar;
    }

    public Request[] Snapshot()
    {
        lock (Requests)
        {
            return [.. Requests];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

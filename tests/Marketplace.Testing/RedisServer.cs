using System.Diagnostics;
using StackExchange.Redis;

namespace Marketplace.Testing;

/// <summary>
/// A real <c>redis-server</c> child process on a free loopback port, with its data in a
/// temporary directory. Can be stopped, killed and started again on the same port and data,
/// so tests can take Redis away from a service and give it back.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private RedisServer(int port, string directory, bool appendOnly, bool fsyncEveryWrite)
    {
        Port = port;
        Directory = directory;
        AppendOnly = appendOnly;
        FsyncEveryWrite = fsyncEveryWrite;
    }

    public int Port { get; }

    public string Directory { get; }

    public bool AppendOnly { get; }

    /// <summary>With <see cref="AppendOnly"/>: <c>appendfsync always</c>, each write is on disk before it is acknowledged.</summary>
    public bool FsyncEveryWrite { get; }

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,allowAdmin=true";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>An admin connection to this server (FLUSHALL, INFO, ...).</summary>
    public ConnectionMultiplexer Admin => _admin ??= ConnectionMultiplexer.Connect(ConnectionString);

    public static async Task<RedisServer> StartAsync(bool appendOnly = false, bool fsyncEveryWrite = false)
    {
        string directory = Path.Combine(Path.GetTempPath(), "mp-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort.Next(), directory, appendOnly, fsyncEveryWrite);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and directory.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", Directory,
            "--save", "",
            "--appendonly", AppendOnly ? "yes" : "no",
            "--appendfsync", FsyncEveryWrite ? "always" : "everysec",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed: run `make test` (it installs it) or `apt-get install redis-server`.", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start with code {process.ExitCode}");
            }

            if (await RespondsToPingAsync())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server on port {Port} did not answer PING within 20 s");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Stops the server with SIGTERM and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Signals.Send(process, Signals.SigCont); // a frozen server could not act on SIGTERM
        Signals.Send(process, Signals.SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Kills the server with SIGKILL (no shutdown, no final save) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Signals.Send(process, Signals.SigKill);
        await process.WaitForExitAsync();
    }

    /// <summary>
    /// Freezes the server (SIGSTOP): connections stay open but nothing is answered, as when Redis
    /// stalls. Every command waits until <see cref="Thaw"/>; callers' deadlines run out meanwhile.
    /// </summary>
    public void Freeze()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process, Signals.SigStop);
        }
    }

    /// <summary>Lets a frozen server go on (SIGCONT); the commands that waited are answered.</summary>
    public void Thaw()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Send(process, Signals.SigCont);
        }
    }

    /// <summary>Deletes every key (between tests that need isolation).</summary>
    public async Task FlushAsync()
    {
        var server = Admin.GetServer("127.0.0.1", Port);
        await server.FlushAllDatabasesAsync();
    }

    private async Task<bool> RespondsToPingAsync()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        await StopAsync();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Marketplace.Testing;

/// <summary>
/// A service running as its own OS process (<c>dotnet Marketplace.X.dll</c>) on free loopback
/// ports: for tests of signals, crashes and the whole platform.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ServiceProcess(string service, Process process, int grpcPort, int httpPort)
    {
        Service = service;
        _process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Service { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a service; on free ports unless given (a restart on its old ports, like a restarted pod).</summary>
    public static ServiceProcess Start(string service, string redisConnectionString, IDictionary<string, string>? environment = null,
        int? grpcPort = null, int? httpPort = null)
    {
        int grpc = grpcPort ?? FreePort.Next();
        int http = httpPort ?? FreePort.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.ServiceDll(service))!,
        };
        start.ArgumentList.Add(RepoPaths.ServiceDll(service));
        start.Environment["Platform__BindAddress"] = "127.0.0.1";
        start.Environment["Platform__GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture);
        start.Environment["Platform__HttpPort"] = http.ToString(CultureInfo.InvariantCulture);
        start.Environment["Platform__Redis"] = redisConnectionString;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Identity__SigningKey"] = TestIdentity.SigningKey;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {service}");
        return new ServiceProcess(service, process, grpc, http);
    }

    /// <summary>Waits until <c>/readyz</c> answers 200, or fails with the process output.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Service} exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Service} was not ready in time:\n{Output}");
    }

    public void Signal(int signal) => Signals.Send(_process, signal);

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

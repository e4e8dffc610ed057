using System.Diagnostics;
using System.Text;

namespace Marketplace.Testing;

/// <summary>
/// A script of tests/interop run by node, the independent gRPC implementation (@grpc/grpc-js).
/// Its packages come from <c>npm ci</c> in tests/interop (part of <c>make test</c>); when they are
/// missing the tests fail and say so: interop is never silently skipped.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Prefix, TaskCompletionSource<string> Line)> _waiters = [];

    private NodeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string InteropDirectory => Path.Combine(RepoPaths.Root, "tests", "interop");

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static NodeProcess Start(string script, params string[] arguments)
    {
        string modules = Path.Combine(InteropDirectory, "node_modules", "@grpc", "grpc-js");
        if (!Directory.Exists(modules))
        {
            throw new InvalidOperationException(
                $"The interop tests need @grpc/grpc-js in {InteropDirectory}/node_modules. Run `make test` (it runs `npm ci --prefix tests/interop`) or `npm ci --prefix tests/interop` first.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new NodeProcess(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
    }

    /// <summary>Waits for the process to exit (bounded generously) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node did not finish within {within}. stdout: {Stdout} stderr: {Stderr}");
        }

        _process.WaitForExit(); // flush the redirected output
        return _process.ExitCode;
    }

    /// <summary>The first stdout line starting with <paramref name="prefix"/> (waits for it).</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan within)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            string? seen = _stdout.ToString().Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (seen is not null)
            {
                return seen.TrimEnd('\r');
            }

            _waiters.Add((prefix, line));
        }

        try
        {
            return await line.Task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"node never printed '{prefix}…'. stdout: {Stdout} stderr: {Stderr}");
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

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(line);
            if (into != _stdout)
            {
                return;
            }

            foreach (var waiter in _waiters.Where(w => line.StartsWith(w.Prefix, StringComparison.Ordinal)).ToList())
            {
                waiter.Line.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }
}

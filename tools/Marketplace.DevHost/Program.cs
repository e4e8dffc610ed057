using Marketplace.DevHost;

// `make run`: Redis + the four services on this machine, then the main job.
// Flags: --once  run the main job and stop (no waiting for Ctrl-C).
// `token <subject> <role>[,<role>...]` prints a bearer token for local runs instead.
// `rebuild [--dry-run] [--scoring http://host:port]` runs RebuildScores on a running Scoring with a progress bar.
string root = FindRepoRoot();
string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent?.Name ?? "Release";
if (args is ["token", ..])
{
    return LocalTokens.Print(root, args[1..]);
}

if (args is ["rebuild", ..])
{
    using var interrupted = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        interrupted.Cancel();
    };
    return await RebuildCommand.RunAsync(root, args[1..], interrupted.Token);
}

bool once = args.Contains("--once");

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stopping.Cancel();
    });

var platform = new LocalPlatform(root, configuration);
int exitCode = 0;
try
{
    Console.WriteLine("Starting Redis and the four services (logs in .run/logs/) ...");
    await platform.StartAsync(stopping.Token);
    Report.PrintEndpoints(platform);

    exitCode = await MainJob.RunAsync(platform, root, stopping.Token);

    if (!once && !stopping.IsCancellationRequested)
    {
        Console.WriteLine();
        Console.WriteLine("The platform is up. Press Ctrl-C to stop it.");
        await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Ctrl-C while starting.
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException)
{
    await Console.Error.WriteLineAsync("make run: " + e.Message);
    exitCode = 1;
}
finally
{
    Console.WriteLine("Stopping ...");
    await platform.StopAsync();
    Console.WriteLine("Stopped: Redis and all services have exited.");
}

return exitCode;

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "platform.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("platform.sln not found above " + AppContext.BaseDirectory);
}

using Marketplace.DevHost;
using Marketplace.Simulation;

// `make run`: Redis + the four services on this machine, then the main job: the simulated marketplace.
// Flags: --once  run the main job and stop (no waiting for Ctrl-C).
//        --sellers N --orders M --months K --seed S   the simulation's size and seed (SimulationOptions).
//        --walking-skeleton   the 16-order walking skeleton on the machine's clock instead.
// `token <subject> <role>[,<role>...]` prints a bearer token for local runs instead.
string root = FindRepoRoot();
string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent?.Name ?? "Release";
if (args is ["token", ..])
{
    return LocalTokens.Print(root, args[1..]);
}

bool once = args.Contains("--once");
bool skeleton = args.Contains("--walking-skeleton");
Plan? plan = null;
if (!skeleton)
{
    try
    {
        plan = Plan.Create(SimulationOptions.Parse(args));
    }
    catch (ArgumentException e)
    {
        await Console.Error.WriteLineAsync("make run: " + e.Message);
        return 2;
    }
}

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
if (plan is not null)
{
    SimulationJob.Configure(platform, plan.Options);
}
else
{
    // The walking skeleton's silent buyer is marked within seconds, not a day (only Messaging reads these).
    foreach (var (key, value) in Marketplace.Scenario.WalkingSkeleton.MessagingSettings)
    {
        platform.Environment[key] = value;
    }
}

int exitCode = 0;
try
{
    Console.WriteLine("Starting Redis and the four services (logs in .run/logs/) ...");
    await platform.StartAsync(stopping.Token);
    Report.PrintEndpoints(platform);

    exitCode = plan is not null
        ? await SimulationJob.RunAsync(platform, root, plan, stopping.Token)
        : await MainJob.RunAsync(platform, root, stopping.Token);

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

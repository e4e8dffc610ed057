using Marketplace.DevHost;
using Marketplace.Simulation;

// `make run`: Redis + the four services on this machine, then the main job: the simulated
// marketplace (docs/simulation.md), with the services on the simulated clock.
// Flags: --once  run the main job and stop (no waiting for Ctrl-C).
//        --sellers N --orders M --months K --seed S   the simulation's size and seed.
//        --walking-skeleton              the 16-order walking skeleton on the machine's clock instead.
//        --simulated-clock[=<ISO time>]  only run the services on the simulated clock (docs/clock.md),
//                                        with no main job;
//        --advance <duration>            with it: move the clock that far once the services are up.
// `token <subject> <role>[,<role>...]` prints a bearer token for local runs instead;
// `clock [advance <duration>]` reads or moves the simulated clock of a platform running here;
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

if (args is ["clock", ..])
{
    return await ClockCommands.RunAsync(root, args[1..]);
}

bool once = args.Contains("--once");
DateTimeOffset? simulatedStart;
TimeSpan? advanceBy;
Plan? plan = null;
try
{
    simulatedStart = ClockCommands.SimulatedStart(args);
    advanceBy = ClockCommands.AdvanceBy(args);
    if (simulatedStart is null && !args.Contains("--walking-skeleton"))
    {
        plan = Plan.Create(SimulationOptions.Parse(args));
    }
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("make run: " + e.Message);
    return 2;
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

var platform = new LocalPlatform(root, configuration, plan?.Options.Start ?? simulatedStart,
    shortRun: plan is null || plan.StepCount <= LocalPlatform.LongRunCalls);
int exitCode = 0;
try
{
    Console.WriteLine("Starting Redis and the four services (logs in .run/logs/) ...");
    await platform.StartAsync(stopping.Token);
    Report.PrintEndpoints(platform);

    if (plan is not null)
    {
        exitCode = await SimulationJob.RunAsync(platform, root, plan, stopping.Token);
    }
    else if (simulatedStart is { } start)
    {
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{platform.RedisPort}");
        var clock = Marketplace.Platform.PlatformClock.Driver(redis);
        Console.WriteLine($"The services run on the simulated clock, from {start:yyyy-MM-dd HH:mm} UTC (docs/clock.md).");
        if (advanceBy is { } by)
        {
            await ClockCommands.AdvanceAsync(clock, by, stopping.Token);
        }

        Console.WriteLine("Move it from another terminal: make clock BY=1d");
    }
    else
    {
        exitCode = await MainJob.RunAsync(platform, root, stopping.Token);
    }

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

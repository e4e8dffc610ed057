using System.Globalization;
using System.Text.RegularExpressions;
using Marketplace.Hosting.Time;
using Marketplace.Platform;
using StackExchange.Redis;

namespace Marketplace.DevHost;

/// <summary>
/// The platform's simulated clock from the DevHost (docs/clock.md): <c>--simulated-clock</c> runs
/// the services on it, <c>--advance 30d</c> moves it once they are up, and <c>clock [advance 1d]</c>
/// reads or moves the clock of a platform running in another terminal (its Redis port is in
/// <c>.run/redis-port</c>). An advance returns once every timer, window and evaluation due on the
/// way has run, each at its own time.
/// </summary>
internal static partial class ClockCommands
{
    /// <summary>Where the clock starts unless <c>--simulated-clock=&lt;ISO 8601 time&gt;</c> says otherwise.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The start of the simulated clock asked for by <c>--simulated-clock[=time]</c>, or null.</summary>
    public static DateTimeOffset? SimulatedStart(string[] args)
    {
        foreach (string arg in args)
        {
            if (arg == "--simulated-clock")
            {
                return DefaultStart;
            }

            if (arg.StartsWith("--simulated-clock=", StringComparison.Ordinal))
            {
                string value = arg["--simulated-clock=".Length..];
                return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start)
                    ? start.ToUniversalTime()
                    : throw new ArgumentException($"--simulated-clock: '{value}' is not a time (ISO 8601, e.g. 2026-01-01T00:00:00Z)");
            }
        }

        return null;
    }

    /// <summary>The duration after <c>--advance</c>, or null.</summary>
    public static TimeSpan? AdvanceBy(string[] args)
    {
        int i = Array.IndexOf(args, "--advance");
        return i < 0 ? null : i + 1 < args.Length ? ParseDuration(args[i + 1]) : throw new ArgumentException("--advance needs a duration, e.g. 30d");
    }

    /// <summary><c>clock</c> and <c>clock advance &lt;duration&gt;</c> against the running platform.</summary>
    public static async Task<int> RunAsync(string root, string[] args)
    {
        string portFile = LocalPlatform.RedisPortFile(root);
        if (!File.Exists(portFile))
        {
            await Console.Error.WriteLineAsync("clock: no platform on the simulated clock is running here (start one with `make run RUN_ARGS=--simulated-clock`)");
            return 1;
        }

        string port = (await File.ReadAllTextAsync(portFile)).Trim();
        using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
        var driver = PlatformClock.Driver(redis);
        switch (args)
        {
            case []:
                Console.WriteLine($"simulated clock: {Describe(await driver.NowAsync())}");
                return 0;
            case ["advance", var by]:
                await AdvanceAsync(driver, ParseDuration(by), CancellationToken.None);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: clock | clock advance <duration, e.g. 90m, 12h, 30d>");
                return 2;
        }
    }

    /// <summary>Advances one day at a time (so progress shows), printing each day's stops.</summary>
    public static async Task AdvanceAsync(SimulatedClockDriver driver, TimeSpan by, CancellationToken cancellationToken)
    {
        var now = await driver.NowAsync() ?? throw new InvalidOperationException("the simulated clock is not set");
        var target = now + by;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        int steps = 0, rounds = 0;
        while (now < target)
        {
            var next = now + TimeSpan.FromDays(1) < target ? now + TimeSpan.FromDays(1) : target;
            var advance = await driver.AdvanceToAsync(next, cancellationToken);
            (now, steps, rounds) = (advance.Now, steps + advance.Steps, rounds + advance.Rounds);
            Console.WriteLine($"  simulated clock at {Describe(now)} ({advance.Steps} stops, {advance.Rounds} rounds)");
        }

        Console.WriteLine($"Advanced {by} in {wall.Elapsed.TotalSeconds:F1} s: {steps} stops, {rounds} rounds; every service reads {Describe(now)}.");
    }

    public static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text);
        if (match.Success)
        {
            double amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new ArgumentException($"'{text}' is not a duration (e.g. 90m, 12h, 30d or 1.12:00:00)");
    }

    private static string Describe(DateTimeOffset? now) => now?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "not set";

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)([smhd])$")]
    private static partial Regex DurationPattern();
}

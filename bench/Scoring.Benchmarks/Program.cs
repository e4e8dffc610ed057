using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Marketplace.Scoring.Benchmarks;

// A short job (3 warm-ups, 3 measured iterations) run in-process, so the whole suite takes minutes on
// a small machine; the memory diagnoser reports allocated bytes per operation.
var config = ManualConfig.CreateMinimumViable()
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);

BenchmarkSwitcher.FromTypes([typeof(ApplyOrderBenchmarks), typeof(RankingBenchmarks)]).Run(args, config);

using FsCheck;
using Microsoft.FSharp.Core;

namespace Marketplace.Messaging.Tests;

/// <summary>
/// Property runs with a fixed seed, so every run checks the same cases and a failure is
/// reproducible; change the seed locally to explore other cases.
/// </summary>
internal static class PropertyConfig
{
    private static readonly Replay Seed = new(new Rnd(20_260_301UL, 1_442_695_040_888_963_407UL), FSharpOption<int>.None);

    public static Config Fixed(int maxTest) =>
        Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithReplay(FSharpOption<Replay>.Some(Seed));
}

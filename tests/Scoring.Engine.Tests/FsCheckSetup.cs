using FsCheck;
using Microsoft.FSharp.Core;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>
/// FsCheck 3 from plain xunit facts (FsCheck.Xunit is not available here). A fixed seed keeps
/// the runs deterministic; a failure throws with the shrunk counter-example.
/// </summary>
internal static class Properties
{
    public static Config Config(int maxTest = 200, ulong seed = 20260522) =>
        FsCheck.Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, 7919), FSharpOption<int>.None)));

    public static void Check(Property property, int maxTest = 200) => FsCheck.Check.One(Config(maxTest), property);
}

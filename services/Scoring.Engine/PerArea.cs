using System.Runtime.CompilerServices;

namespace Marketplace.Scoring.Engine;

/// <summary>
/// Six values, one per <see cref="Area"/>, stored inline so that per-order contributions and
/// aggregates are plain values that allocate nothing when applied.
/// </summary>
[InlineArray(Areas.Count)]
public struct PerArea<T>
{
    private T _first;
}

namespace Marketplace.Simulation;

/// <summary>The run's report as one self-contained HTML page (inline CSS and SVG, no external resources).</summary>
public static partial class HtmlReport
{
    public static string Render(Summary s) => "<!doctype html><html><body><h1>The simulated marketplace</h1></body></html>";
}

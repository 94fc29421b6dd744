using L4Conf.Reference.Boot;

namespace L4Conf.Adapters.Replay;

/// <summary>
/// The outcome of a replay: every divergence (explained by a known entry or not) in order of authority (objects,
/// trace buffer, console) and within a layer in capture order; stale known entries; what was compared.
/// </summary>
public sealed record ReplayReport(ReplayInputs Inputs, IReadOnlyList<Divergence> Divergences, IReadOnlyList<string> Stale,
    BootResult ModelEnd, int DebuggerVisits, int ObjectDumps, int TbufEntries, int TbufPairs, int CaptureLines, int ModelLines, int KnownEntries)
{
    /// <summary>The dump the picture draws (the first with an unexplained difference), both sides.</summary>
    public Model.Trace.ObjectGraph? RealGraph { get; init; }
    public Model.Trace.ObjectGraph? ModelGraph { get; init; }
    public int PictureDump { get; init; }

    public IEnumerable<Divergence> Unexplained => Ordered.Where(d => d.ExplainedBy == null);

    public IEnumerable<Divergence> Ordered =>
        Divergences.OrderBy(d => d.Layer).ThenBy(d => d.Order).ThenBy(d => d.CaptureLine ?? int.MaxValue);

    /// <summary>Nothing unexplained differs and no known entry is stale.</summary>
    public bool Passed => !Unexplained.Any() && Stale.Count == 0;

    public Divergence? First => Unexplained.FirstOrDefault();

    /// <summary>Counts by layer and kind: (layer, kind, explained, unexplained).</summary>
    public IReadOnlyList<(ReplayLayer Layer, string Kind, int Explained, int Unexplained)> Summary =>
        Divergences.GroupBy(d => (d.Layer, d.Kind)).OrderBy(g => g.Key.Layer).ThenBy(g => g.Key.Kind, StringComparer.Ordinal)
            .Select(g => (g.Key.Layer, g.Key.Kind, g.Count(d => d.ExplainedBy != null), g.Count(d => d.ExplainedBy == null))).ToList();

    public static string LayerName(ReplayLayer l) => l switch
    {
        ReplayLayer.Capture => "capture",
        ReplayLayer.Objects => "objects",
        ReplayLayer.TraceBuffer => "tbuf",
        _ => "console",
    };
}

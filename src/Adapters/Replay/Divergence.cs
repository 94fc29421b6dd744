namespace L4Conf.Adapters.Replay;

/// <summary>Where a divergence was found, in the order of authority of a replay (the capture itself first: a cut capture explains what follows).</summary>
public enum ReplayLayer { Capture, Objects, TraceBuffer, Console }

/// <summary>
/// One way the model's run of a scenario parts from the real capture: the layer, a kind for the summary (e.g.
/// `label`, `only-real`), the message naming the field and both values, the capture line, the model's position,
/// and the surrounding events or lines of both sides. <see cref="ExplainedBy"/> is the known-differences entry
/// that accepts it (file:line), or null when it is unexplained.
/// </summary>
public sealed record Divergence(ReplayLayer Layer, string Kind, string Message, int? CaptureLine, string? ModelAt)
{
    public IReadOnlyList<string> Context { get; init; } = [];
    /// <summary>Position within its layer, oldest first (a trace-buffer entry's number, a capture line).</summary>
    public long Order { get; init; }
    /// <summary>Where in the capture's Ned script: `line N: ...` that printed a console line, `after line N: ...` the last print before a trace-buffer event.</summary>
    public string? ScriptLine { get; init; }
    /// <summary>For object divergences: the object's id in the capture's dump and in the model's graph (null on the side that lacks it).</summary>
    public (ulong? Real, ulong? Model)? Objects { get; init; }
    /// <summary>For capability divergences: the space as the diff labels it (`D:moe`) and the slot index.</summary>
    public (string Space, ulong Index)? Slot { get; init; }
    /// <summary>For trace-buffer divergences: the number of the model event it is at (or after).</summary>
    public long? ModelEvent { get; init; }
    public string? ExplainedBy { get; set; }
    public string? ExplainedWhy { get; set; }
}

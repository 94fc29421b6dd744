using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Check;

/// <summary>One rule broken by a captured event: which rule (a spec clause id), where, and what was seen.</summary>
public sealed record IpcViolation(string Clause, TraceEvent Event, string Message, IReadOnlyList<TraceEvent> Before);

/// <summary>What `trace check` found: how often each rule was checked, the pairs it could form, and the violations in order.</summary>
public sealed record IpcCheckReport(int Events, int Invokes, int Answers, IReadOnlyDictionary<string, int> Checked,
    int PairedMessages, int UnpairedReceives, int PairedReplies, IReadOnlyList<IpcViolation> Violations)
{
    /// <summary>Page faults in the capture, and how many of them were followed by a page-fault IPC to a pager.</summary>
    public int PageFaults { get; init; }
    public int PagerIpcs { get; init; }
    public bool Ok => Violations.Count == 0;
}

using L4Conf.Adapters.Replay;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Each real capture's scenario replayed on the reference system (`l4conf replay`): booted with the capture's own
/// script, its object dumps, trace buffer and console compared with the capture's; every divergence must be one the
/// capture's known-differences file lists with its reason, and every entry of that file must still explain one.
/// </summary>
public static class RuntimeCases
{
    public static IEnumerable<ConformanceCase> Cases() =>
        RuntimeScenario.All.Select(s => Case(s.Id, s.Title, s.Clauses, c => Run(c, s)));

    private static void Run(CaseContext c, RuntimeScenario s)
    {
        if (!s.Available(out var why)) c.Skip(why!);
        var inputs = ReplayInputs.Resolve(TracePath.Real(s.Capture + ".log"), null, s.Entry, TracePath.Real(s.ModulesList), s.KnownFile,
            Path.GetDirectoryName(TracePath.Real("rom/t_child.lua"))!);
        var r = Replay.Run(inputs, s.MaxTimeUs);
        c.Note($"{r.CaptureLines} capture lines, {r.ModelLines} model lines, {r.ObjectDumps} object dumps, {r.TbufEntries} trace-buffer entries " +
               $"({r.TbufPairs} paired), {r.KnownEntries} known differences");
        if (r.Passed) return;
        throw new CaseFailure(ReplayWriters.Text(r).TrimEnd());
    }
}

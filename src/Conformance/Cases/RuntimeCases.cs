using L4Conf.Adapters.Console;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// Each real capture's scenario booted on the reference system, its console compared with the capture's line by
/// line (per program; run-dependent values normalised); every difference must be one the capture's
/// known-differences file lists with its reason, and every entry there must still occur.
/// </summary>
public static class RuntimeCases
{
    public static IEnumerable<ConformanceCase> Cases() =>
        RuntimeScenario.All.Select(s => Case(s.Id, s.Title, s.Clauses, c => Run(c, s)));

    private static void Run(CaseContext c, RuntimeScenario s)
    {
        if (!s.Available(out var why)) c.Skip(why!);
        var known = KnownDifferences.Load(s.KnownFile);
        var (console, _) = s.Run();
        var (real, first) = s.CaptureLines();
        var cmp = ConsoleDiff.Compare(real, console, known, first);
        // entries of the shared files (included) may be needed by other captures only: only the capture's own go stale
        var own = Path.GetFullPath(s.KnownFile);
        cmp = cmp with { Stale = cmp.Stale.Where(k => k.File == own).ToList() };
        c.Note($"{cmp.RealLines} capture lines, {cmp.ModelLines} model lines, {known.Count} known differences");
        if (cmp.Same) return;
        var msg = new System.Text.StringBuilder();
        msg.AppendLine($"{cmp.Differences.Count} unexplained difference(s) with traces/real/{s.Capture}.log, {cmp.Stale.Count} stale known difference(s):");
        foreach (var d in cmp.Differences) msg.AppendLine(d.ToString());
        foreach (var k in cmp.Stale) msg.AppendLine($"{k.Where}: stale (explains no line any more): {k.Why}");
        throw new CaseFailure(msg.ToString().TrimEnd());
    }
}

using L4Conf.Adapters.Mbt;
using L4Conf.Conformance.Suite;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// The `L4RE_MODEL compare` drop-in on the plugin directories made from our captures (traces/mbt): every real dump
/// agrees with the model's graph at its dump point, up to the abstract test's known differences.
/// </summary>
public static class MbtCases
{
    public static IEnumerable<ConformanceCase> Cases() =>
    [
        Case("mbt/caplife", "compare: caplife's three dumps (caplife.mbt) against the model at caplife's sleeps",
            ["CAP-UNMAP-3", "CAP-UNMAP-5", "CAP-UNMAP-6"], c => Run(c, TracePath.Mbt("caplife.mbt"), TracePath.Mbt("caplife"))),
        Case("mbt/file-server-jdb", "compare: the file-server dump (abstract test file_server_jdb.lua) against the model at the end of the run",
            ["RT-SRV-1", "RT-SRV-2"], c => Run(c, TracePath.Real("file_server_jdb.lua"), TracePath.Mbt("file_server_jdb"))),
    ];

    private static void Run(CaseContext c, string test, string dir)
    {
        var rom = Path.GetDirectoryName(TracePath.Real("rom/modules.list"))!;
        var t = AbstractTest.Load(test, Path.Combine(rom, "modules.list"), rom);
        var r = MbtCompare.Run(t, dir, rom);
        if (r.SkipReason != null) throw new CaseFailure(r.SkipReason);
        c.Note($"{r.Verdicts.Count(v => v.Dump != null)} dump(s), {r.Verdicts.Sum(v => v.Explained)} known differences");
        if (r.Verdicts.All(v => v.Ok)) return;
        throw new CaseFailure(MbtTap.Write(r).TrimEnd());
    }
}

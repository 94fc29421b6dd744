using L4Conf.Adapters.Console;
using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Kernel;
using L4Conf.Reference.Boot;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// The object graph of a booted capture scenario against the capture's JDB dumps, taken at the same point of the
/// script (the real dumps were made while the program slept; the model's at a logical time inside the same
/// sleep). Every difference `objects diff` names must be listed in traces/real/known/DUMP.known (`diff:` entries
/// with their reasons), and every entry must still explain one.
/// </summary>
public static class RuntimeObjectCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("runtime/caplife-objects", "caplife booted on the model: the object graph at each of the capture's three dumps",
            ["RT-EXEC-1", "CAP-UNMAP-3", "CAP-UNMAP-5", "CAP-UNMAP-6", "DUMP-2"], c =>
                Run(c, "t_caplife", "caplife_mapdb_objs", [(5_000_000, 1), (20_000_000, 2), (35_000_000, 3)]));
        yield return Case("runtime/file-server-objects", "the file server scenario booted on the model: the object graph after the client ended",
            ["RT-EXEC-1", "RT-SRV-1", "DUMP-2"], c =>
                Run(c, "t_file_jdb", "file_server_jdb_mapdb_objs", [(100_000_000, 1)]));
    }

    private static void Run(CaseContext c, string entryName, string dumpFile, (ulong TimeUs, int Dump)[] points)
    {
        var known = KnownDifferences.Load(TracePath.Real(Path.Combine("known", dumpFile + ".known")));
        foreach (var k in known) k.Uses = 0;
        var real = TracePath.ObjectDumps(dumpFile + ".log");
        var entry = ModulesList.Load(TracePath.Real("rom/modules.list"), entryName);
        var image = BootImage.Build(entry, Path.GetDirectoryName(TracePath.Real("rom/t_child.lua"))!);
        using var sys = BootedSystem.Start(image, new BootOptions());
        var unexplained = new List<string>();
        int total = 0;
        foreach (var (t, dump) in points)
        {
            sys.Run(t, untilIdle: true);
            var diff = ObjectGraphDiff.Compare(sys.Kernel.Snapshot(), real[dump - 1]);
            foreach (var d in diff.Differences)
            {
                total++;
                var k = known.FirstOrDefault(k => k.Diff != null && k.Diff.IsMatch(d.Message));
                if (k != null) k.Uses++;
                else unexplained.Add($"dump {dump}: {d.Message}");
            }
        }
        var stale = known.Where(k => k.Diff != null && k.Uses == 0).ToList();
        c.Note($"{total} differences with {dumpFile}.log, all listed");
        if (unexplained.Count == 0 && stale.Count == 0) return;
        throw new CaseFailure($"{unexplained.Count} unexplained difference(s) with traces/real/{dumpFile}.log, {stale.Count} stale known difference(s):\n" +
            string.Join("\n", unexplained) + (stale.Count > 0 ? "\n" : "") + string.Join("\n", stale.Select(k => $"{k.Where}: stale: {k.Why}")));
    }
}

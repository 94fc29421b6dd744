using System.Text.RegularExpressions;
using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>
/// The real caplife run (traces/real/caplife.*): Ned creates a gate and an IRQ, maps them into a child with
/// rights letters r/rw/rws/rwsd and weak n, the child unmaps and deletes (B1..B6). The case replays the same
/// calls on the model, checks every validity line the real program printed, and diffs the two objects
/// against the three real object dumps.
/// </summary>
public static partial class CaplifeCase
{
    [GeneratedRegex(@"^caplife \| caplife:   (\w+)\s+cap=0x([0-9a-f]+) is_valid\(\)=1 cap_valid=1$")]
    private static partial Regex InitialCapLine();
    [GeneratedRegex(@"^caplife \| caplife: after (B\d( map)?): (.*)$")]
    private static partial Regex AfterLine();

    /// <summary>Ned's rights value for a letter string (lua_cap.cc): starts at R, each letter ORs its bit.</summary>
    public static int NedRights(string letters)
    {
        int v = 4;
        foreach (char ch in letters.ToLowerInvariant())
            v |= ch switch { 'r' => 4, 'w' => 1, 's' => 2, 'd' => 8, 'n' => 0x10, 'c' => 0x20, _ => 0 };
        return v;
    }

    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("caplife/real-capture", "the caplife capture replayed on the model: validity after every step and three object dumps",
            ["CAPLIFE-1", "CAP-UNMAP-1", "CAP-UNMAP-2", "CAP-UNMAP-3", "CAP-UNMAP-5", "CAP-INFO-2", "CAP-MAP-4", "CAP-LIFE-1", "DUMP-2"], Run);
    }

    private static void Run(CaseContext c)
    {
        var log = File.ReadAllLines(TracePath.Real("caplife.log"));
        var dumps = TracePath.ObjectDumps("caplife_mapdb_objs.log");
        c.Equal(3, dumps.Count, "real dumps in caplife_mapdb_objs.log");

        // The child's slots as the real loader assigned them (Lua hash order), from the phase A table.
        var slots = new Dictionary<string, ulong>();
        foreach (var l in log)
            if (InitialCapLine().Match(l) is { Success: true } m && !slots.ContainsKey(m.Groups[1].Value))
                slots[m.Groups[1].Value] = Convert.ToUInt64(m.Groups[2].Value, 16);
        c.Equal(12, slots.Count, "initial caps listed by the real child");

        var w = new World();
        var ned = w.NewTask("ned");
        w.Check(w.Map(ned.TaskSel, 2 << 12, CapRights.RWS, 0, World.FactoryCap), "ned gets the kernel factory");
        const ulong nedGate = 0x427 << 12, nedIrq = 0x428 << 12, nedChild = 0x429 << 12, selfcopy = 0x425 << 12;
        c.Equal(0L, ned.Sys.Error(ned.Sys.FactoryCreate(2 << 12, 0, nedGate)), "ned: kf:create(Ipc_gate)");
        c.Equal(0L, ned.Sys.Error(ned.Sys.FactoryCreate(2 << 12, (long)Protocol.IrqSender, nedIrq)), "ned: kf:create(Irq_sender)");
        var child = w.NewTask();
        w.Check(w.Map(ned.TaskSel, nedChild, CapRights.RWSD, 0, child.TaskSel), "ned gets the child's task cap");
        var gate = w.Obj(nedGate, ned.Task);
        var irq = w.Obj(nedIrq, ned.Task);

        // The loader maps each named cap with fpage rights = v & 0xF and the upper nibble in the send base.
        foreach (var (name, idx) in slots.OrderBy(kv => kv.Value))
        {
            int v = NedRights(name[2..]);
            ulong src = name[0] == 'g' ? nedGate : nedIrq;
            var t = ned.Sys.TaskMap(nedChild, World.TaskCap, Fpage.Obj(src, 0, (CapRights)(v & 0xF)), (idx & ~0xFFFUL) | 8 | (uint)(v & 0xF0));
            c.Equal(0L, ned.Sys.Error(t), $"map {name}");
        }

        var s = child.Sys;
        long Valid(ulong sel) => s.CapValid(World.TaskCap, sel).Label;
        foreach (var (name, idx) in slots) c.Equal(1L, Valid(idx), $"phase A cap_valid({name})");
        c.Equal(0L, s.CapEqual(World.TaskCap, slots["g_r"], slots["g_rwsd"]).Label, "cap_equal(g_r, g_rwsd)");
        c.Equal(0L, s.CapEqual(World.TaskCap, slots["g_r"], slots["i_r"]).Label, "cap_equal(g_r, i_r)");
        CompareDump(c, w, dumps[0], gate, irq, "dump 1");

        bool selfcopyMapped = false;
        void After(string step)
        {
            var line = log.Select(l => AfterLine().Match(l)).First(m => m.Success && m.Groups[1].Value == step);
            foreach (var kv in line.Groups[3].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = kv.Split('=');
                ulong sel = parts[0] == "selfcopy" ? selfcopy : slots[parts[0]];
                c.Equal(long.Parse(parts[1]), Valid(sel), $"after {step}: cap_valid({parts[0]})");
            }
            c.True(line.Groups[3].Value.Contains("selfcopy") == selfcopyMapped, $"after {step}: selfcopy listed as in the real run");
        }
        long Unmap(string name, UnmapMask mask) => s.Error(s.TaskUnmap(World.TaskCap, Fpage.Obj(slots[name], 0, CapRights.RWSD), mask));

        c.Equal(0L, Unmap("g_rw", UnmapMask.DeleteObj), "B1 unmap err");
        After("B1");
        c.Equal(0L, Unmap("i_rws", UnmapMask.DeleteObj), "B2 unmap err");
        After("B2");
        c.Equal(0L, s.Error(s.TaskMap(World.TaskCap, World.TaskCap, Fpage.Obj(slots["i_r"], 0, CapRights.RWSD), selfcopy | 8)), "B3 map err");
        selfcopyMapped = true;
        After("B3 map");
        c.Equal(1L, s.CapEqual(World.TaskCap, slots["i_r"], selfcopy).Label, "cap_equal(i_r, selfcopy)");
        c.Equal(1L, s.CapEqual(World.TaskCap, slots["i_rw"], slots["i_rwn"]).Label, "cap_equal(i_rw, i_rwn)");
        c.Equal(0L, s.CapEqual(World.TaskCap, slots["g_rw"], slots["g_rws"]).Label, "cap_equal(g_rw, g_rws)");
        c.Equal(0L, Unmap("i_r", UnmapMask.OtherSpaces), "B3 unmap err");
        After("B3");
        c.Equal(0L, Unmap("i_rw", UnmapMask.AllSpaces), "B4 unmap err");
        After("B4");
        CompareDump(c, w, dumps[1], gate, irq, "dump 2");
        c.Equal(0L, Unmap("g_rwsd", UnmapMask.DeleteObj), "B5 unmap err");
        After("B5");
        c.Equal(0L, Unmap("i_rwsdn", UnmapMask.DeleteObj), "B6 unmap err");
        After("B6");
        c.True(!gate.Alive && !irq.Alive, "both objects destroyed after B5/B6");
        c.True(RealObject(dumps[2], 0x427) == null && RealObject(dumps[2], 0x428) == null, "real dump 3 has neither object");
        c.True(ned.Task.Space[nedGate >> 12] == null && ned.Task.Space[nedIrq >> 12] == null, "ned's own caps are gone too (Ned's is_valid() only tests the index)");

        // 'caplife check': Ned maps its emptied slots into a new child: nothing is mapped, no error, cap_valid 0 (caplife.log 404-408).
        var check = w.NewTask();
        const ulong nedCheck = 0x42a << 12;
        w.Check(w.Map(ned.TaskSel, nedCheck, CapRights.RWSD, 0, check.TaskSel), "ned gets the check child's task cap");
        foreach (var (name, src, dst) in new[] { ("g_ned", nedGate, 0x1aUL), ("i_ned", nedIrq, 0x19UL), ("i_ned_r", nedIrq, 0x18UL), ("g_ned_r", nedGate, 0x16UL) })
        {
            var rights = name.EndsWith("_r", StringComparison.Ordinal) ? CapRights.R : CapRights.RWS;
            c.Equal(0L, ned.Sys.Error(ned.Sys.TaskMap(nedCheck, World.TaskCap, Fpage.Obj(src, 0, rights), (dst << 12) | 8)), $"check: map {name} from an empty slot");
            c.Equal(0L, check.Sys.CapValid(World.TaskCap, dst << 12).Label, $"check: cap_valid({name})");
        }
    }

    /// <summary>The real object that Ned's slot <paramref name="nedIndex"/> names in a dump.</summary>
    private static GraphObject? RealObject(ObjectGraph g, ulong nedIndex) =>
        g.Objects.FirstOrDefault(o => o.Caps.Any(cap => cap.SpaceName == "ned" && cap.Index == nedIndex));

    /// <summary>Diffs the model's gate and IRQ against the real ones (matched through Ned's slots 0x427/0x428).</summary>
    private static void CompareDump(CaseContext c, World w, ObjectGraph real, KObject gate, KObject irq, string which)
    {
        var realSub = new ObjectGraph(0, "", new[] { RealObject(real, 0x427), RealObject(real, 0x428) }
            .Select(o => o ?? throw new CaseFailure($"{which}: Ned's gate/IRQ not found in the real dump")).ToList());
        var model = w.K.Snapshot();
        var modelSub = new ObjectGraph(0, "", model.Objects.Where(o => o.Id == gate.DbgId || o.Id == irq.DbgId).ToList());
        var diff = ObjectGraphDiff.Compare(modelSub, realSub);
        c.True(diff.Equal, $"{which}: model differs from the real dump:\n{ObjectGraphDiff.Format(diff)}");
    }
}

using L4Conf.Adapters.Jdb;
using L4Conf.Conformance.Suite;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using static L4Conf.Conformance.Cases.CaseSets;

namespace L4Conf.Conformance.Cases;

/// <summary>The kernel's boot state against the real kernel's first objects (traces/real/jdb_mapdb_objs.log).</summary>
public static class BootCases
{
    public static IEnumerable<ConformanceCase> Cases()
    {
        yield return Case("boot/object-order", "boot objects are created in the real order with the real debug ids", ["BOOT-1"], c =>
        {
            var w = new World();
            string[] expect = ["0 Factory root factory", "1 Task KERNEL", "2 Icu/Pfc ", "3 Sched ", "4 Jdb ", "5 Vlog ", "6 Thread KERNEL",
                "7 Task sigma0", "8 Thread sigma0", "9 Task moe", "a Gate moe->s0", "b Thread moe"];
            var got = w.K.Objects.Select(o => $"{o.DbgId:x} {o.JdbType} {o.Name}").ToArray();
            c.Equal(string.Join("; ", expect), string.Join("; ", got), "boot objects");
        });
        yield return Case("boot/initial-slots", "sigma0 and the root task get the fixed slots with full attributes", ["BOOT-2"], c =>
        {
            var w = new World();
            string Slots(Model.Kernel.Task t) => string.Join(",", t.Space.Entries.Select(e => $"{e.Index:x}:{(byte)e.Attr:x2}"));
            c.Equal("1:ff,2:ff,3:ff,5:ff,6:ff,7:ff,a:ff", Slots(w.Boot.Sigma0), "sigma0 slots");
            c.Equal("1:ff,2:ff,3:ff,4:ff,5:ff,6:ff,7:ff,a:ff", Slots(w.Boot.Root), "root task slots");
            c.Equal(0UL, w.Boot.Sigma0Thread.PagerIndex, "sigma0 has no pager");
            c.Equal((ulong)InitialCap.Pager, w.Boot.RootThread.PagerIndex, "root thread pager is slot 4");
            c.Equal(BootState.InitialUtcb, w.Boot.RootThread.Utcb.W[63], "UTCB word 63 holds its own address");
        });
        yield return Case("boot/sigma0-gate", "the root task's pager gate has label 0x40 and is bound to sigma0's thread", ["BOOT-3"], c =>
        {
            var w = new World();
            c.Equal(0x40UL, w.Boot.RootPagerGate.GateLabel, "gate label");
            c.True(w.Boot.RootPagerGate.BoundThread == w.Boot.Sigma0Thread, "bound to sigma0's thread");
            var slot = w.Boot.Root.Space[(ulong)InitialCap.Pager]!;
            c.True(slot.Object == w.Boot.RootPagerGate && !slot.ControlInterface, "the root's C:4 names the gate object itself, as in the real dump");
        });
        yield return Case("boot/equals-real-dump", "the model's boot graph equals the real dump's kernel-made initial caps", ["BOOT-4", "DUMP-2"], c =>
        {
            var real = TracePath.ObjectDumps("jdb_mapdb_objs.log").Single();
            var model = new World().K.Snapshot();
            var diff = ObjectGraphDiff.Compare(model, real, DiffOptions.InitialCaps("moe"));
            c.True(diff.Equal, "model boot state differs from the real dump:\n" + ObjectGraphDiff.Format(diff));
        });
    }
}

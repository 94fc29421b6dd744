using FsCheck;
using FsCheck.Fluent;
using L4Conf.Conformance.Cases;
using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using L4Conf.Model.Kernel.Mem;
using L4Conf.Model.Machine;
using L4Conf.Reference.Sigma0;
using KTask = L4Conf.Model.Kernel.Task;

namespace L4Conf.Conformance.Properties;

/// <summary>One step of a random memory program; task -1 is the root task (which holds sigma0's pages).</summary>
public sealed record MemOp(string Kind, int Src, int SrcPage, int Dst, int DstPage, byte Rights, bool Flag)
{
    public override string ToString() => Kind switch
    {
        "map" => $"root: {(Flag ? "grant" : "map")} {(Src < 0 ? "root" : $"T{Src}")} page {SrcPage} -> T{Dst} page {DstPage} rights={(MemRights)Rights}",
        "unmap" => $"root: unmap {(Src < 0 ? "root" : $"T{Src}")} page {SrcPage} rights={(MemRights)Rights}{(Flag ? " ALL_SPACES" : "")}",
        _ => $"T{Src}: {(Flag ? "write" : "read")} page {SrcPage}",
    };
}

/// <summary>
/// Random memory programs over the root task and three tasks on the attached machine: after every step the page
/// tables and the mapping database must agree (every user PTE has its mapping and vice versa; the PTE's rights never
/// exceed the mapping's), and after an unmap no former descendant can still reach the page.
/// </summary>
public sealed class MemSystem
{
    public const int Pages = 5;
    private readonly World _w = new(sigma0: true, machine: true);
    private readonly UserTask[] _t = new UserTask[3];

    private static ulong Va(int task, int page) => task < 0 ? 0x3000_0000UL + (ulong)page * 0x1000 : 0x10_0000UL + (ulong)page * 0x1000;
    private KTask Task(int i) => i < 0 ? _w.Boot.Root : _t[i].Task;
    private ulong TaskCap(int i) => i < 0 ? World.TaskCap : _t[i].TaskSel;

    public MemSystem()
    {
        for (int i = 0; i < 3; i++) _t[i] = _w.NewTask($"T{i}");
        for (int p = 0; p < Pages; p++)
            _w.Check(_w.Sigma0Call(_w.Root, World.PagerCap, (ulong)Sigma0Request.FpageAny, Fpage.Memory(0, 12, MemRights.None), Fpage.Memory(Va(-1, p), 12, MemRights.RWX)), "page");
    }

    public void Step(MemOp op)
    {
        var before = new List<(KTask T, ulong Va)>();
        switch (op.Kind)
        {
            case "map":
                _w.Root.TaskMap(TaskCap(op.Dst), TaskCap(op.Src), Fpage.Memory(Va(op.Src, op.SrcPage), 12, (MemRights)op.Rights),
                    Va(op.Dst, op.DstPage) | (op.Flag ? (ulong)ItemBits.Grant : 0));
                break;
            case "unmap":
                if (_w.K.FindMem(Task(op.Src), Va(op.Src, op.SrcPage)) is { } m && (op.Rights & 4) != 0) Descendants(m, before);
                _w.Root.TaskUnmap(TaskCap(op.Src), Fpage.Memory(Va(op.Src, op.SrcPage), 12, (MemRights)op.Rights), op.Flag ? UnmapMask.AllSpaces : UnmapMask.OtherSpaces);
                break;
            default:
                var bus = _w.K.BusOf(Task(op.Src));
                if (op.Flag) bus.Write(Va(op.Src, op.SrcPage), [1], out _); else bus.Read(Va(op.Src, op.SrcPage), new byte[1], AccessKind.Read, out _);
                break;
        }
        foreach (var (t, va) in before)
            if (_w.K.FindMem(t, va) == null && _w.K.BusOf(t).Read(va, new byte[1], AccessKind.Read, out _))
                throw new PropertyViolation($"after step '{op}': {t.Label} can still read 0x{va:x}, which derived from the unmapped page");
        Agree(op);
    }

    private static void Descendants(MemMapping m, List<(KTask, ulong)> into)
    {
        foreach (var c in m.Derived) { into.Add((c.Space, c.Va)); Descendants(c, into); }
    }

    /// <summary>Every user PTE outside kernel-user memory has its mapping-database node and vice versa, with no more rights.</summary>
    private void Agree(MemOp op)
    {
        foreach (var t in _t.Select(x => x.Task).Prepend(_w.Boot.Root))
        {
            var tables = ((MachineSpace)t.MemSpace!).Tables;
            var leaves = tables.Walk().Where(l => !t.InKuMem(l.Va, 1)).ToDictionary(l => l.Va);
            foreach (var m in t.Memory)
            {
                if (!leaves.Remove(m.Va, out var leaf))
                    throw new PropertyViolation($"after step '{op}': {m} has no page-table entry");
                if (leaf.Pa != m.Pa || (int)leaf.Size != m.Order)
                    throw new PropertyViolation($"after step '{op}': {m} but the PTE maps pa 0x{leaf.Pa:x} size {leaf.Size}");
                if ((leaf.Writable && (m.Rights & MemRights.W) == 0) || (leaf.Executable && (m.Rights & MemRights.X) == 0))
                    throw new PropertyViolation($"after step '{op}': the PTE of {m} allows more (W={leaf.Writable}, X={leaf.Executable})");
            }
            if (leaves.Count > 0)
                throw new PropertyViolation($"after step '{op}': {t.Label} has page-table entries without mappings at {string.Join(", ", leaves.Keys.Select(k => "0x" + k.ToString("x")))}");
        }
    }

    public static Gen<MemOp> Op =>
        Gen.Frequency(
            (5, from s in Gen.Choose(-1, 2) from sp in Gen.Choose(0, Pages - 1) from d in Gen.Choose(0, 2) from dp in Gen.Choose(0, Pages - 1)
                from r in Gen.Choose(1, 7) from g in Gen.Frequency((1, Gen.Constant(true)), (5, Gen.Constant(false)))
                select new MemOp("map", s, sp, d, dp, (byte)r, g)),
            (3, from s in Gen.Choose(-1, 2) from sp in Gen.Choose(0, Pages - 1) from r in Gen.Elements<byte>(2, 1, 3, 4, 7) from self in Gen.Elements(true, false)
                select new MemOp("unmap", s, sp, 0, 0, r, self)),
            (2, from s in Gen.Choose(0, 2) from sp in Gen.Choose(0, Pages - 1) from wr in Gen.Elements(true, false)
                select new MemOp("touch", s, sp, 0, 0, 0, wr)));

    public static Arbitrary<MemOp[]> Arbitrary(int maxSteps) =>
        Arb.From(ProgramGen.Of(Op, maxSteps), ProgramGen.DropOne);

    public static void Run(IEnumerable<MemOp> ops)
    {
        var s = new MemSystem();
        foreach (var op in ops) s.Step(op);
    }
}

using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Runs a <see cref="CpuCase"/> on the model CPU: a fresh physical memory and 4-level page tables holding exactly the
/// case's pages (user, writable and executable per their protection), the real <see cref="PagedMemoryBus"/>, and
/// one <see cref="Cpu"/> run with the case's budget.
/// </summary>
public sealed class ModelCpuRunner
{
    private readonly Cpu cpu = new();

    public CpuOutcome Run(CpuCase c)
    {
        var mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        var pages = c.Materialize();
        var frames = new ulong[pages.Count];
        for (int k = 0; k < pages.Count; k++)
        {
            frames[k] = mem.AllocFrame();
            mem.Write(frames[k], pages[k].Contents);
            pt.Map(pages[k].Address, frames[k], PageSize.Size4K, pages[k].Writable, pages[k].Executable);
        }
        var s = new CpuState { Rip = c.StartIp, Rflags = c.Rflags, FsBase = c.FsBase, GsBase = c.GsBase };
        var start = SegmentState.Initial(c);
        (s.Es, s.Cs, s.Ss, s.Ds, s.Fs, s.Gs) = (start.Selectors[0], start.Selectors[1], start.Selectors[2], start.Selectors[3], start.Selectors[4], start.Selectors[5]);
        if (c.Gdt == SegmentTable.Linux) s.Gdt = new LinuxGdt();
        Array.Copy(c.Regs, s.R, 16);
        Array.Copy(c.XmmOrZero, s.Xmm, 16);
        s.Mxcsr = c.MxcsrOrReset;
        var stop = cpu.Run(s, new PagedMemoryBus(pt), c.Budget);
        var changes = new List<ByteRun>();
        var after = new byte[CpuCase.PageSize];
        for (int k = 0; k < pages.Count; k++)
        {
            mem.Read(frames[k], after);
            changes.AddRange(CpuOutcome.Changes(pages[k].Address, pages[k].Contents, after));
        }
        var seg = SegmentState.Of(s);
        return new CpuOutcome
        {
            Segments = seg,
            SegmentsChanged = !seg.SameAs(start),
            Status = stop.Kind switch { StopKind.Syscall => "syscall", StopKind.Trap => "trap", _ => "budget" },
            Vector = stop.Kind == StopKind.Trap ? (int)stop.Trap.Vector : null,
            ErrorCode = stop.Trap.ErrorCode,
            Cr2 = stop.Trap.Cr2,
            Regs = (ulong[])s.R.Clone(),
            Rip = s.Rip,
            Rflags = s.Rflags,
            Retired = stop.Retired,
            Memory = changes,
            Detail = stop.Detail,
            Xmm = (UInt128[])s.Xmm.Clone(),
            Mxcsr = s.Mxcsr,
            VectorState = CpuOutcome.ShowsVectorState(c, s.Xmm, s.Mxcsr),
        };
    }
}

using Iced.Intel;
using L4Conf.Model.Machine;

namespace L4Conf.Tests;

/// <summary>
/// A program run on the model CPU over real page tables and <see cref="PagedMemoryBus"/>: code RX at
/// <see cref="CodeVa"/>, one RW stack page below <see cref="StackTop"/>, a RW page at <see cref="DataVa"/>, a
/// read-only page after it, and nothing mapped after that.
/// </summary>
internal static class PagedCpu
{
    public const ulong CodeVa = 0x40_0000, StackTop = 0x80_0000, DataVa = 0x60_0000, ReadOnlyVa = DataVa + 0x1000, UnmappedVa = DataVa + 0x2000;

    public static (CpuState S, StopReason R) Run(Action<Assembler> body, Action<CpuState>? init = null) => Run(body, init, out _);

    /// <param name="word">A 64-bit value written at <paramref name="wordVa"/> (in the data page) before the run.</param>
    public static (CpuState S, StopReason R) Run(Action<Assembler> body, Action<CpuState>? init, out PhysicalMemory mem, ulong wordVa = 0, ulong word = 0)
    {
        mem = new PhysicalMemory();
        var pt = new PageTables(mem);
        var a = new Assembler(64);
        body(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), CodeVa);
        ulong code = mem.AllocFrame();
        mem.Write(code, ms.ToArray());
        pt.Map(CodeVa, code, PageSize.Size4K, writable: false, executable: true);
        pt.Map(StackTop - 0x1000, mem.AllocFrame(), PageSize.Size4K, writable: true, executable: false);
        ulong data = mem.AllocFrame();
        pt.Map(DataVa, data, PageSize.Size4K, writable: true, executable: false);
        if (wordVa != 0) mem.WriteU64(data + (wordVa - DataVa), word);
        pt.Map(ReadOnlyVa, mem.AllocFrame(), PageSize.Size4K, writable: false, executable: false);
        var s = new CpuState { Rip = CodeVa };
        s.Rsp = StackTop;
        init?.Invoke(s);
        var r = new Cpu().Run(s, new PagedMemoryBus(pt), 1000);
        return (s, r);
    }
}

using L4Conf.Model.Machine;
using L4Conf.Model.Abi;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>One 4 KiB page of a case: its user virtual address, protection ("r", "rw", "rx", "rwx") and contents (zero-padded).</summary>
public sealed record CasePage(ulong Address, string Prot, byte[] Contents)
{
    public bool Writable => Prot.Contains('w');
    public bool Executable => Prot.Contains('x');
}

/// <summary>
/// A machine-code case (spec/machine/cpu-cases.md): code bytes placed at <see cref="Rip"/>, the 16 GPRs, RFLAGS,
/// FS/GS base and the pages of a fresh address space; run until syscall, a trap, or <see cref="Budget"/> instructions.
/// </summary>
public sealed class CpuCase
{
    public const int PageSize = 4096;
    public string Name { get; init; } = "";
    public byte[] Code { get; init; } = [];
    public ulong Rip { get; init; }
    /// <summary>RAX..R15 in hardware order.</summary>
    public ulong[] Regs { get; init; } = new ulong[16];
    public ulong Rflags { get; init; } = 0x202;
    public ulong FsBase { get; init; }
    public ulong GsBase { get; init; }
    public IReadOnlyList<CasePage> Pages { get; init; } = [];
    public long Budget { get; init; } = 1000;
    /// <summary>XMM0..XMM15 before the run; null: the case has no vector state (all zero).</summary>
    public UInt128[]? Xmm { get; init; }
    /// <summary>MXCSR before the run; null: the reset value 0x1f80.</summary>
    public uint? Mxcsr { get; init; }
    /// <summary>
    /// The descriptor table and selectors the run starts with: Fiasco's GDT (CS 0x2B, SS/DS/ES 0x23, FS/GS 0), the
    /// model's own environment; or Linux's (CS 0x33, SS 0x2B, DS/ES/FS/GS 0) for cases run against the host CPU.
    /// </summary>
    public SegmentTable Gdt { get; init; } = SegmentTable.Fiasco;
    /// <summary>
    /// The code segment the run starts in (JSON "cs"; "mode": "compat" is the table's 32-bit user code, Fiasco 0x1B, Linux
    /// 0x23), or null for the table's 64-bit one. Without L the run is in compatibility mode: DS/ES then hold the
    /// table's user data segment, and execution starts at the offset <see cref="Rip"/> minus the segment's base.
    /// </summary>
    public ushort? Cs { get; init; }
    /// <summary>The descriptor table a run of this case uses.</summary>
    public DescriptorTable Table() => Gdt == SegmentTable.Linux ? new LinuxGdt() : new FiascoGdt();
    /// <summary>The starting code segment's descriptor, when <see cref="Cs"/> names one.</summary>
    public SegmentDescriptor? CodeSegment => Cs is ushort s && Table().TryRead(s, out var d) ? d : null;
    /// <summary>Whether the run starts in compatibility mode (a code segment without L).</summary>
    public bool Compat => CodeSegment is { Long: false };
    /// <summary>Where execution starts as the CPU counts it: RIP, or in compatibility mode the offset in CS.</summary>
    public ulong StartIp => Compat ? Rip - CodeSegment!.Value.Base : Rip;
    /// <summary>Whether the case names any vector state (then its outcome lists XMM and MXCSR too).</summary>
    public bool HasVectorState => Xmm != null || Mxcsr != null;
    /// <summary>The XMM registers the run starts with (zero when the case has none).</summary>
    public UInt128[] XmmOrZero => Xmm ?? new UInt128[16];
    /// <summary>The MXCSR the run starts with.</summary>
    public uint MxcsrOrReset => Mxcsr ?? L4Conf.Model.Machine.Mxcsr.Reset;

    /// <summary>
    /// The address space as both runners build it: the listed pages, with the code written at RIP over their contents;
    /// a code byte on a page not listed adds that page, "rx". Sorted by address.
    /// </summary>
    public IReadOnlyList<CasePage> Materialize()
    {
        var pages = new SortedDictionary<ulong, CasePage>();
        foreach (var p in Pages)
        {
            var c = new byte[PageSize];
            p.Contents.CopyTo(c, 0);
            pages[p.Address] = p with { Contents = c };
        }
        for (int k = 0; k < Code.Length; k++)
        {
            ulong va = Rip + (ulong)k, page = va & ~(ulong)(PageSize - 1);
            if (!pages.TryGetValue(page, out var p)) pages[page] = p = new CasePage(page, "rx", new byte[PageSize]);
            p.Contents[va - page] = Code[k];
        }
        return [.. pages.Values];
    }
}

/// <summary>Which descriptor table a case runs on (JSON "gdt": "fiasco" or "linux").</summary>
public enum SegmentTable { Fiasco, Linux }

/// <summary>The segment registers after a run: ES, CS, SS, DS, FS, GS (the x86 order) and the FS/GS bases.</summary>
public sealed record SegmentState(ushort[] Selectors, ulong FsBase, ulong GsBase)
{
    public static readonly string[] Names = ["es", "cs", "ss", "ds", "fs", "gs"];

    /// <summary>The state a case starts in: Linux's selectors, or those of a fresh Fiasco thread (<see cref="CpuState"/>'s).</summary>
    public static SegmentState Initial(CpuCase c)
    {
        var s = c.Gdt == SegmentTable.Linux
            ? new([0, LinuxGdt.UserCode64, LinuxGdt.UserData, 0, 0, 0], c.FsBase, c.GsBase)
            : Of(new CpuState { FsBase = c.FsBase, GsBase = c.GsBase });
        if (c.Cs is not ushort cs) return s;
        if (!c.Compat) return s with { Selectors = [s.Selectors[0], cs, s.Selectors[2], s.Selectors[3], s.Selectors[4], s.Selectors[5]] };
        // Compatibility mode needs usable data segments (a null DS is #GP(0) there): the table's user data selector.
        ushort data = s.Selectors[2];
        return s with { Selectors = [data, cs, data, data, s.Selectors[4], s.Selectors[5]] };
    }

    /// <summary>The segment registers of <paramref name="s"/>.</summary>
    public static SegmentState Of(CpuState s) => new([s.Es, s.Cs, s.Ss, s.Ds, s.Fs, s.Gs], s.FsBase, s.GsBase);

    public bool SameAs(SegmentState o) => Selectors.SequenceEqual(o.Selectors) && FsBase == o.FsBase && GsBase == o.GsBase;
}

/// <summary>Bytes of one page that differ after the run: <see cref="Offset"/> into the page at <see cref="Page"/>.</summary>
public sealed record ByteRun(ulong Page, int Offset, byte[] Bytes);

/// <summary>How a case ended, on the model or natively: every architectural result the two runners both report.</summary>
public sealed class CpuOutcome
{
    /// <summary>"syscall", "trap" or "budget" (natively: the 2 s alarm).</summary>
    public string Status { get; init; } = "";
    public int? Vector { get; init; }
    public ulong ErrorCode { get; init; }
    /// <summary>CR2: meaningful for #PF only.</summary>
    public ulong Cr2 { get; init; }
    public ulong[] Regs { get; init; } = new ulong[16];
    public ulong Rip { get; init; }
    public ulong Rflags { get; init; }
    /// <summary>Instructions retired (the model only).</summary>
    public long? Retired { get; init; }
    public IReadOnlyList<ByteRun> Memory { get; init; } = [];
    /// <summary>XMM0..XMM15 after the run.</summary>
    public UInt128[] Xmm { get; init; } = new UInt128[16];
    /// <summary>MXCSR after the run.</summary>
    public uint Mxcsr { get; init; } = L4Conf.Model.Machine.Mxcsr.Reset;
    /// <summary>Whether the outcome line lists XMM and MXCSR: the case named vector state, or the run changed it.</summary>
    public bool VectorState { get; init; }
    /// <summary>Selectors and FS/GS bases after the run; null when the runner did not report them.</summary>
    public SegmentState? Segments { get; init; }
    /// <summary>Whether the outcome line lists the segment state: the run changed it.</summary>
    public bool SegmentsChanged { get; init; }
    /// <summary>The model's message for #UD/#GP (what was not executed and why).</summary>
    public string? Detail { get; init; }

    /// <summary>Whether an outcome of <paramref name="c"/> with these registers lists its vector state.</summary>
    public static bool ShowsVectorState(CpuCase c, UInt128[] xmm, uint mxcsr) =>
        c.HasVectorState || mxcsr != L4Conf.Model.Machine.Mxcsr.Reset || xmm.Any(x => x != 0);

    /// <summary>Runs of changed bytes: compare each page's contents before and after.</summary>
    public static List<ByteRun> Changes(ulong page, ReadOnlySpan<byte> before, ReadOnlySpan<byte> after)
    {
        var runs = new List<ByteRun>();
        for (int b = 0; b < before.Length;)
        {
            if (before[b] == after[b]) { b++; continue; }
            int e = b;
            while (e < before.Length && before[e] != after[e]) e++;
            runs.Add(new ByteRun(page, b, after[b..e].ToArray()));
            b = e;
        }
        return runs;
    }
}

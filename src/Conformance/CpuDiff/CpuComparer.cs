using Iced.Intel;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Compares the model's outcome of a case with the host CPU's, field by field, over what is architecturally defined
/// and what Linux reports faithfully (see <see cref="NativeRunner"/>): status, vector, error code (#PF: with P
/// ignored for kernel-half addresses, where Linux forces it), CR2 for #PF only, RIP, the 16 GPRs, XMM0-15 and MXCSR, CF PF AF ZF SF OF DF
/// except the flags the SDM leaves undefined after the instruction (only when it completed), and every changed byte,
/// except a destination the SDM leaves undefined for the operands (<see cref="ResultRules"/>; only when it completed).
/// </summary>
public static class CpuComparer
{
    public const int DebugVector = 1, BreakpointVector = 3, PageFaultVector = 14;

    /// <summary>
    /// Linux's TASK_SIZE_MAX: user space ends one page below 2^47, and for a #PF at or above it Linux reports P set
    /// whatever the CPU said (arch/x86/mm/fault.c set_signal_archinfo: "pretend that user-mode accesses to kernel
    /// addresses are always protection faults").
    /// </summary>
    public const ulong LinuxTaskSizeMax = 0x7FFF_FFFF_F000;

    /// <summary>
    /// A known way the host differs from the captured CPU or reports something other than the architecture says, not a
    /// model error. ldmxcsr with MXCSR bit 17 set: the development host (AMD EPYC) has MisAlignSse and takes it as the MM
    /// mask bit; the captured qemu64 CPU has no MisAlignSse, so it is reserved and the model raises #GP(0). int1 (icebp)
    /// is a trap (#DB with RIP after it, SDM Vol. 3A §17.3.1), but the host this was built on (an AMD EPYC guest in a
    /// Firecracker VM) reported RIP at the instruction, every time; most likely the hypervisor's handling of an
    /// intercepted icebp (UNCONFIRMED). Null when <paramref name="fields"/> are not exactly that.
    /// </summary>
    public static string? HostQuirk(CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (fields.Count == 1 && model.Vector == DebugVector && host.Vector == DebugVector && model.Rip == host.Rip + 1)
            return "int1: the host reported RIP at the instruction (a trap leaves it after)";
        if (model.Vector == GeneralProtectionVector && model.Detail?.StartsWith("ldmxcsr", StringComparison.Ordinal) == true
            && Completed(host) && (host.Mxcsr & MisalignedSseMask) != 0 && (host.Mxcsr & ~(0xFFFFu | MisalignedSseMask)) == 0)
            return "ldmxcsr: the host (AMD, CPUID MisAlignSse) accepts MXCSR bit 17 (MM); the captured qemu64 CPU has no MisAlignSse, so bit 17 is reserved there (#GP(0))";
        return null;
    }

    public const int GeneralProtectionVector = 13;

    /// <summary>Both sides faulted and differ only in which fault: the vector, CR2 or the error code.</summary>
    private static bool OnlyTheFaultDiffers(List<string> fields) =>
        fields.All(f => f.StartsWith("vector:", StringComparison.Ordinal) || f.StartsWith("cr2:", StringComparison.Ordinal) || f.StartsWith("errorCode:", StringComparison.Ordinal));

    /// <summary>
    /// A known host difference: an FS/GS-relative access whose offset (the effective address before the segment base) is
    /// not canonical while base + offset is. The AMD host raises #GP(0) for the offset (checked on the host with mov,
    /// xlatb and a GS base set by arch_prctl); the architecture checks the linear address (SDM Vol. 3A §3.3.7.1), as the
    /// captured CPU, QEMU's TCG, does in its page walk, and the model gives the access to the MMU (#PF for the unmapped
    /// kernel half). Null unless the model faulted with #PF at such an instruction and the host with #GP(0).
    /// </summary>
    public static string? SegmentOffsetQuirk(CpuCase c, CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (model.Vector != PageFaultVector || host.Vector != GeneralProtectionVector || host.ErrorCode != 0) return null;
        if (!OnlyTheFaultDiffers(fields))
            return null;
        long at = (long)(model.Rip - c.Rip);
        if (at < 0 || at >= c.Code.Length) return null;
        var decoder = Iced.Intel.Decoder.Create(64, new Iced.Intel.ByteArrayCodeReader(c.Code, (int)at, c.Code.Length - (int)at), model.Rip);
        var ins = decoder.Decode();
        if (ins.IsInvalid || ins.SegmentPrefix is not (Iced.Intel.Register.FS or Iced.Intel.Register.GS)) return null;
        ulong baseOf = ins.SegmentPrefix == Iced.Intel.Register.FS ? c.FsBase : c.GsBase;
        for (int k = 0; k < ins.OpCount; k++)
        {
            if (ins.GetOpKind(k) is not (Iced.Intel.OpKind.Memory or Iced.Intel.OpKind.MemorySegRSI or Iced.Intel.OpKind.MemorySegDI
                or Iced.Intel.OpKind.MemorySegEDI or Iced.Intel.OpKind.MemorySegRDI or Iced.Intel.OpKind.MemorySegESI)) continue;
            // The offset alone: the segment register's base counts as 0 here.
            ulong next = ins.NextIP;
            bool Value(Register reg, int element, int size, out ulong v)
            {
                v = reg is Register.FS or Register.GS ? 0 : reg == Register.RIP ? next : RegValue(model, reg);
                return true;
            }
            if (!ins.TryGetVirtualAddress(k, 0, out ulong offset, Value)) continue;
            if (!L4Conf.Model.Machine.Mmu.IsCanonical(offset) && L4Conf.Model.Machine.Mmu.IsCanonical(offset + baseOf))
                return "fs:/gs: with an offset that is not canonical and a canonical sum: the AMD host raises #GP for the offset; the architecture (and QEMU's TCG) checks the linear address";
        }
        return null;
    }

    /// <summary>A register's value in an outcome (the state before a faulting instruction), for address arithmetic.</summary>
    private static ulong RegValue(CpuOutcome o, Iced.Intel.Register reg)
    {
        var full = reg.GetFullRegister();
        if (full is >= Iced.Intel.Register.RAX and <= Iced.Intel.Register.R15)
        {
            ulong v = o.Regs[full - Iced.Intel.Register.RAX];
            return reg.GetSize() switch { 1 => reg is >= Iced.Intel.Register.AH and <= Iced.Intel.Register.BH ? (v >> 8) & 0xFF : v & 0xFF, 2 => v & 0xFFFF, 4 => v & 0xFFFF_FFFF, _ => v };
        }
        return 0;
    }

    /// <summary>MXCSR.MM (bit 17), AMD's misaligned-SSE exception mask: writable only on CPUs with MisAlignSse (CPUID 0x80000001 ECX[7]).</summary>
    public const uint MisalignedSseMask = 1u << 17;

    /// <summary>
    /// A known host difference: an x87 memory image longer than 8 bytes (m80 and the m80 packed BCD of fbld/fbstp, the
    /// 14/28-byte environment, the 94/108-byte save area) that crosses into an unmapped page or past the canonical boundary faults on both, but the host reports the
    /// piece its microcode happened to access first: #GP for one image, #PF for the next, CR2 16 or 27 bytes into the
    /// image (seeds 11 and 12, 40000 cases). The SDM does not order the pieces; the model checks the whole image and
    /// reports the first faulting page (#GP when it is not canonical). Null unless only the vector or CR2 differ.
    /// </summary>
    public static string? X87ImageQuirk(string mnemonic, CpuOutcome model, CpuOutcome host, List<string> fields) =>
        mnemonic is "fld" or "fstp" or "fldenv" or "fnstenv" or "frstor" or "fnsave" or "fbld" or "fbstp" && fields.Count > 0
            && model.Vector is 12 or 13 or 14 && host.Vector is 12 or 13 or 14
            && OnlyTheFaultDiffers(fields)
            ? "x87 image across a page or the canonical boundary: the host reports the piece its microcode accessed first" : null;

    /// <summary>The x87 transcendentals, whose last place the SDM leaves to the implementation (Vol. 1 §8.3.10: within 1 ulp).</summary>
    public static readonly IReadOnlySet<string> X87Transcendentals = new HashSet<string>(StringComparer.Ordinal)
        { "fsin", "fcos", "fsincos", "fptan", "f2xm1", "fpatan", "fyl2x", "fyl2xp1" };

    public const string X87TranscendentalReason = "x87 transcendental: the host's inexact result is 1 ulp from the model's correctly rounded one, or only C1 differs (the SDM promises 1 ulp)";

    /// <summary>
    /// A difference the SDM allows: an x87 transcendental's inexact result within 1 ulp. The model rounds the exact value
    /// once (X87Transcendental.cs); the AMD host's microcode rounds its own approximation, which lands on the other side
    /// of a rounding boundary within about 0.05 ulp of it (and for fptan of |x| &lt; 2^-34 often), giving the
    /// neighbouring value and the C1 that goes with it. Null unless every differing field is a byte of the FSW, ST(0) or
    /// ST(1) the x87 case stored (CaseGenerator.X87.cs), the two FSWs differ in C1 alone and both report PE, and each
    /// stored register is the same on both sides or the two are finite, of one sign and adjacent.
    /// </summary>
    public static string? X87TranscendentalQuirk(string mnemonic, CpuCase c, CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (!X87Transcendentals.Contains(mnemonic) || fields.Count == 0 || !fields.All(f => f.StartsWith("memory at ", StringComparison.Ordinal))) return null;
        const ulong Fsw = CaseGenerator.X87Base + CaseGenerator.X87FswAt, St0 = CaseGenerator.X87Base + CaseGenerator.X87St0At,
            St1 = CaseGenerator.X87Base + CaseGenerator.X87St1At;
        var mm = Bytes(model.Memory);
        var hm = Bytes(host.Memory);
        static bool In(ulong va, ulong at, int n) => va - at < (ulong)n;
        foreach (var va in mm.Keys.Union(hm.Keys))
            if ((mm.TryGetValue(va, out byte x) != hm.TryGetValue(va, out byte y) || x != y) && !In(va, Fsw, 2) && !In(va, St0, 10) && !In(va, St1, 10))
                return null;
        var pages = c.Materialize();
        byte[] Read(Dictionary<ulong, byte> changed, ulong at, int n)
        {
            var b = new byte[n];
            for (int k = 0; k < n; k++)
            {
                ulong va = at + (ulong)k;
                b[k] = changed.TryGetValue(va, out byte v) ? v : pages.FirstOrDefault(p => p.Address == (va & ~0xFFFUL))?.Contents[va & 0xFFF] ?? 0;
            }
            return b;
        }
        ushort fm = BitConverter.ToUInt16(Read(mm, Fsw, 2)), fh = BitConverter.ToUInt16(Read(hm, Fsw, 2));
        const ushort C1 = 0x200, PE = 0x20;
        if (((fm ^ fh) & ~C1) != 0 || (fh & PE) == 0) return null;
        foreach (ulong at in new[] { St0, St1 })
        {
            var a = L4Conf.Model.Machine.Float80.Read(Read(mm, at, 10));
            var b = L4Conf.Model.Machine.Float80.Read(Read(hm, at, 10));
            if (a != b && !Adjacent(a, b)) return null;
        }
        return X87TranscendentalReason;
    }

    /// <summary>Two finite values of one sign, one unit in the last place apart (a denormal next to the smallest normal too).</summary>
    private static bool Adjacent(L4Conf.Model.Machine.Float80 a, L4Conf.Model.Machine.Float80 b)
    {
        static UInt128? Key(L4Conf.Model.Machine.Float80 v) => v.Exp == 0x7FFF || (v.Exp != 0 && (v.Sig >> 63) == 0) ? null
            : v.Exp == 0 ? v.Sig : ((UInt128)v.Exp << 63) + (v.Sig & ~(1UL << 63));
        if (a.Sign != b.Sign || Key(a) is not UInt128 x || Key(b) is not UInt128 y) return false;
        return x - y == 1 || y - x == 1;
    }

    /// <summary>
    /// A known host difference: maskmovdqu (and maskmovq) faults on the bytes it selects, but which address the host reports (CR2 a
    /// byte or two below the first selected byte, or in the next page) and so the fault kind is its own: the SDM leaves
    /// the access pattern of a masked store to the implementation ("exceptions may be signaled for bytes not selected").
    /// The model checks the span from the first to the last selected byte. Null unless both faulted and only the vector,
    /// CR2 or error code differ.
    /// </summary>
    public static string? MaskedStoreQuirk(string mnemonic, CpuOutcome model, CpuOutcome host, List<string> fields) =>
        mnemonic is "maskmovdqu" or "maskmovq" && fields.Count > 0 && model.Vector is 12 or 13 or 14 && host.Vector is 12 or 13 or 14
            && OnlyTheFaultDiffers(fields)
            ? "maskmovdqu/maskmovq: the host reports its own fault address within the masked store (implementation-defined)" : null;

    /// <summary>
    /// A known host difference: lar on the AMD host returns bits 16-19 of the descriptor's second dword too (the limit's
    /// top nibble: 0x00CFF300 for Linux's user data); the SDM and QEMU's TCG (the captured CPU, helper_lar: e2 &amp;
    /// 0x00f0ff00) clear them, as the model does. Null unless only lar's destination differs, in exactly those bits.
    /// </summary>
    public static string? LarLimitBitsQuirk(string mnemonic, CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (mnemonic != "lar" || fields.Count == 0 || !fields.All(f => Array.Exists(CpuCaseJson.RegNames, r => f.StartsWith(r + ":", StringComparison.Ordinal)))) return null;
        for (int k = 0; k < 16; k++)
            if (model.Regs[k] != host.Regs[k] && ((model.Regs[k] ^ host.Regs[k]) & ~0xF_0000UL) != 0) return null;
        return "lar: the AMD host returns the limit's bits 19:16 as well; the SDM and the captured QEMU CPU mask them (0x00F0FF00)";
    }

    /// <summary>
    /// A known way the host reports: a data segment register loaded with a null selector of RPL 1-3 reads back as 0
    /// after the case, because Linux delivers the int3's signal with an iret to CPL 3, which nulls a data segment register
    /// whose cached DPL is below the CPL (SDM IRET; a null selector's cached DPL is 0; QEMU's validate_seg does the same
    /// for DS and ES, and leaves a null FS/GS). The instruction itself loaded the selector as given. Null unless only
    /// selectors of DS/ES/FS/GS differ, model 1-3, host 0.
    /// </summary>
    public static string? NullSelectorQuirk(CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (fields.Count == 0 || model.Segments is not { } m || host.Segments is not { } h) return null;
        if (!fields.All(f => f[..3] is "ds:" or "es:" or "fs:" or "gs:")) return null;
        foreach (int k in new[] { 0, 3, 4, 5 })
            if (m.Selectors[k] != h.Selectors[k] && (m.Selectors[k] is < 1 or > 3 || h.Selectors[k] != 0)) return null;
        return "a null DS/ES/FS/GS selector with RPL 1-3 reads back as 0: Linux's iret to the signal handler nulls it (the case loaded it as given)";
    }

    /// <summary>
    /// A known host difference in fault priority: retf whose CS has RPL below the CPL (null included) is #GP(selector) by the SDM and on
    /// QEMU's TCG (helper_ret_protected checks rpl &lt; cpl before anything else), as on the model; the AMD host takes
    /// RPL != CPL as a return to another level and first reads SS:RSP above the released bytes, so an unmapped stack
    /// there is #PF (checked on the host with lretq and retfq imm16). Null unless that is the only difference.
    /// </summary>
    public static string? RetfRplQuirk(GeneratedCase g, CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (g.Mnemonic != "retf" || model.Vector != GeneralProtectionVector || host.Vector != PageFaultVector
            || !OnlyTheFaultDiffers(fields)) return null;
        int size = g.Form.StartsWith("Retfw", StringComparison.Ordinal) ? 2 : g.Form.StartsWith("Retfq", StringComparison.Ordinal) ? 8 : 4;
        return StackWord(g.Case, 1, size) is ulong cs && (cs & 3) < 3
            ? "retf with CS.RPL below the CPL: the AMD host reads the outer level's SS:RSP first (#PF there); the SDM and QEMU raise #GP(selector)" : null;
    }

    /// <summary>
    /// A known host difference in fault priority: iret to a RIP the new code segment cannot take (not canonical for a
    /// 64-bit one, past the limit of a 32-bit one) with a bad SS is #GP(SS selector) by the
    /// SDM's order (SS is checked before RIP) and on QEMU's TCG (helper_ret_protected checks SS, then loads RIP), as on
    /// the model; the AMD host checks RIP first: #GP(0). Null unless that is the only difference.
    /// </summary>
    public static string? IretOrderQuirk(GeneratedCase g, CpuOutcome model, CpuOutcome host, List<string> fields)
    {
        if (!g.Mnemonic.StartsWith("iret", StringComparison.Ordinal) || model.Vector != GeneralProtectionVector || host.Vector != GeneralProtectionVector
            || model.ErrorCode == 0 || host.ErrorCode != 0 || !OnlyTheFaultDiffers(fields)) return null;
        int size = g.Form == "Iretw" ? 2 : g.Form == "Iretd" ? 4 : 8;
        if (StackWord(g.Case, 0, size) is not ulong rip || StackWord(g.Case, 1, size) is not ulong cs) return null;
        if (!new LinuxGdt().TryRead((ushort)cs, out var d)) return null;
        return (d.Long ? !L4Conf.Model.Machine.Mmu.IsCanonical(rip) : rip > d.Limit)
            ? "iret to a RIP its code segment cannot take (not canonical, or past a compatibility-mode segment's limit) with a bad SS: the AMD host checks RIP first (#GP(0)); the SDM and QEMU check SS first (#GP(selector))" : null;
    }

    /// <summary>Word <paramref name="index"/> of <paramref name="size"/> bytes above the case's initial RSP, as its pages hold it.</summary>
    private static ulong? StackWord(CpuCase c, int index, int size)
    {
        ulong at = c.Regs[(int)L4Conf.Model.Machine.Reg.Rsp] + (ulong)(index * size);
        var page = c.Materialize().FirstOrDefault(p => p.Address == (at & ~0xFFFUL));
        if (page == null || (int)(at & 0xFFF) + size > CpuCase.PageSize) return null;
        ulong v = 0;
        for (int k = size - 1; k >= 0; k--) v = (v << 8) | page.Contents[(int)(at & 0xFFF) + k];
        return v;
    }

    /// <summary>
    /// Why x87 cases clear the selector words of an fnstenv/fnsave image before comparing (CaseGenerator.X87.cs): FCS and
    /// FDS hold the user CS and DS of the operating system, 0x33 and 0 under Linux on the host, 0x2B and 0x23 under Fiasco
    /// (the model stores those; UNCONFIRMED which of FDS/DS the captured CPU stores). Seen by `cpu diff --seed 20261201`.
    /// </summary>
    public const string X87SelectorReason = "FCS/FDS in an x87 environment image are the OS's user selectors (Linux CS 0x33, Fiasco 0x2B)";

    /// <summary>The differing fields as "field: model X, host Y"; empty when the outcomes agree.</summary>
    public static List<string> Compare(CpuOutcome model, CpuOutcome host, ulong undefinedFlags, ResultRule? undefinedResult = null)
    {
        var rule = Applies(undefinedResult, host) ? undefinedResult : null;
        var d = new List<string>();
        if (model.Status != host.Status) d.Add($"status: model {model.Status}, host {host.Status}");
        if (model.Vector != host.Vector) d.Add($"vector: model {Vec(model.Vector)}, host {Vec(host.Vector)}");
        ulong errMask = ulong.MaxValue;
        if (host.Vector == PageFaultVector && host.Cr2 >= LinuxTaskSizeMax) errMask = ~1UL;
        if (model.Vector == host.Vector && (model.ErrorCode & errMask) != (host.ErrorCode & errMask))
            d.Add($"errorCode: model 0x{model.ErrorCode:x}, host 0x{host.ErrorCode:x}");
        if (model.Vector == PageFaultVector && host.Vector == PageFaultVector && model.Cr2 != host.Cr2)
            d.Add($"cr2: model 0x{model.Cr2:x}, host 0x{host.Cr2:x}");
        if (model.Rip != host.Rip) d.Add($"rip: model 0x{model.Rip:x}, host 0x{host.Rip:x}");
        for (int k = 0; k < 16; k++)
            if ((model.Regs[k] & RegCompared(rule, k)) != (host.Regs[k] & RegCompared(rule, k))) d.Add($"{CpuCaseJson.RegNames[k]}: model 0x{model.Regs[k]:x}, host 0x{host.Regs[k]:x}");
        for (int k = 0; k < 16; k++)
            if (model.Xmm[k] != host.Xmm[k]) d.Add($"xmm{k}: model 0x{model.Xmm[k]:x32}, host 0x{host.Xmm[k]:x32}");
        if (model.Mxcsr != host.Mxcsr) d.Add($"mxcsr: model 0x{model.Mxcsr:x}, host 0x{host.Mxcsr:x}");
        if (model.Segments is { } ms && host.Segments is { } hs)
        {
            for (int k = 0; k < 6; k++)
                if (ms.Selectors[k] != hs.Selectors[k]) d.Add($"{SegmentState.Names[k]}: model 0x{ms.Selectors[k]:x}, host 0x{hs.Selectors[k]:x}");
            if (ms.FsBase != hs.FsBase) d.Add($"fsBase: model 0x{ms.FsBase:x}, host 0x{hs.FsBase:x}");
            if (ms.GsBase != hs.GsBase) d.Add($"gsBase: model 0x{ms.GsBase:x}, host 0x{hs.GsBase:x}");
        }
        ulong mask = FlagRules.Compared & ~(Completed(host) ? undefinedFlags : 0);
        if ((model.Rflags & mask) != (host.Rflags & mask))
            d.Add($"rflags: model {FlagRules.Names(model.Rflags & mask)} (0x{model.Rflags & mask:x}), host {FlagRules.Names(host.Rflags & mask)} (0x{host.Rflags & mask:x}) (compared 0x{mask:x})");
        var mm = Bytes(model.Memory);
        var hm = Bytes(host.Memory);
        foreach (var va in mm.Keys.Union(hm.Keys).Order())
        {
            if (rule != null && va >= rule.MemAddr && va < rule.MemAddr + (ulong)rule.MemLen) continue;
            bool a = mm.TryGetValue(va, out byte x), b = hm.TryGetValue(va, out byte y);
            if (a != b || x != y)
            {
                d.Add($"memory at 0x{va:x}: model {(a ? $"0x{x:x2}" : "unchanged")}, host {(b ? $"0x{y:x2}" : "unchanged")}");
                if (d.Count > 40) break;
            }
        }
        return d;
    }

    /// <summary>
    /// Whether an undefined-destination rule applies to this outcome: only after the instruction completed (a fault
    /// changes nothing, so everything stays compared), and for a <see cref="ResultRule.WhenZf"/> rule only when the
    /// host's ZF (defined) says the source was zero.
    /// </summary>
    public static bool Applies(ResultRule? rule, CpuOutcome host) =>
        rule != null && Completed(host) && (!rule.WhenZf || (host.Rflags & FlagRules.ZF) != 0);

    private static ulong RegCompared(ResultRule? rule, int k) => rule != null && rule.Reg == k ? ~rule.RegBits : ulong.MaxValue;

    /// <summary>The instruction under test completed: the case ended at the int3 after it (or the branch target's).</summary>
    public static bool Completed(CpuOutcome o) => o.Status == "trap" && o.Vector == BreakpointVector;

    private static string Vec(int? v) => v is int x ? $"{x} ({CpuCaseJson.TrapName(x)})" : "none";

    private static Dictionary<ulong, byte> Bytes(IReadOnlyList<ByteRun> runs)
    {
        var d = new Dictionary<ulong, byte>();
        foreach (var r in runs)
            for (int k = 0; k < r.Bytes.Length; k++) d[r.Page + (ulong)r.Offset + (ulong)k] = r.Bytes[k];
        return d;
    }
}

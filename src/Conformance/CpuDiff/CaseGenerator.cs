using Iced.Intel;
using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// A generated case: which form it exercises, and which flags the SDM leaves undefined after it, left by the
/// instruction <see cref="FlagsFrom"/> (the producer of a sequence; else the instruction itself), and which
/// destination it leaves undefined for these operands (<see cref="Result"/>, <see cref="ResultRules"/>).
/// </summary>
public sealed record GeneratedCase(CpuCase Case, string Form, string Mnemonic, ulong Undefined, string? FlagsFrom = null, ResultRule? Result = null);

/// <summary>
/// Makes differential cases for every instruction form of the model's subset. The forms are table driven: every Iced
/// <see cref="Code"/> valid in 64-bit mode on both Intel and AMD whose mnemonic is in <see cref="InstructionSet.Supported"/>
/// and whose operands are general-purpose registers, memory, immediates or near branches (r/m operands give a
/// register form and a memory form), so an instruction added to the model is covered by its line in
/// <c>Supported</c> (plus a line in <see cref="FlagRules"/> if it leaves flags undefined). Operands are random or
/// edge values (0, 1, sign boundaries, all-ones; shift counts 0, 1, width-1, width, width+1, 255), memory operands
/// use every addressing shape (base, index*scale, disp8/32, RIP-relative, absolute, 32-bit addressing, FS/GS) and
/// point into data, across a page boundary, or at a faulting address. <see cref="FaultForms"/> adds one form per
/// fault kind. One case is the instruction under test followed by int3, with all registers set up front.
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>One form: an Iced code and, for r/m operands, register or memory; or a named fault scenario.</summary>
    public sealed record Form(string Id, string Mnemonic, Code Code, bool Memory, Func<Random, GeneratedCase?>? Custom = null);

    /// <summary>Not run natively: `syscall` would be a real Linux system call (the model stops at it by contract).</summary>
    private static readonly HashSet<string> NotNative = ["syscall"];

    /// <summary>
    /// Mnemonics whose results are defined by the environment, not the architecture, so the host cannot be the
    /// reference: their forms are generated (and listed in the report with the reason) but not compared. Model unit
    /// tests pin their behaviour to the captured machine instead (CpuSystemStoresTests, CpuIdentifyTests, CpuBitsTests).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentDefined = new Dictionary<string, string>
    {
        ["sgdt"] = UmipReason, ["sidt"] = UmipReason, ["sldt"] = UmipReason, ["str"] = UmipReason, ["smsw"] = UmipReason,
        ["rdtsc"] = "the time-stamp counter is time: the host's is real, the model's is logical (instructions retired)",
        ["cpuid"] = "the leaves describe a CPU: the model returns the captured QEMU CPU's, the host its own (under its hypervisor)",
        ["tzcnt"] = AbsentBmi, ["lzcnt"] = AbsentBmi,
    };

    private const string UmipReason = "GDTR/IDTR/LDTR/TR/CR0 are the kernel's: the model stores Fiasco's, and on the host Linux's UMIP "
        + "emulation (arch/x86/kernel/umip.c) answers with its dummy values and its own fault reports";
    private const string AbsentBmi = "the captured CPU has no BMI1/ABM (F3 0F BC/BD run as bsf/bsr there, and on the model); the host has them";

    /// <summary>
    /// Forms this tester showed to differ from the host where the model is not fixed yet: left out of the comparison with
    /// the reason printed, so CI stays green without hiding them. Remove an entry when the model is fixed.
    /// </summary>
    private static readonly Dictionary<Code, string> KnownDifferent = new()
    {
        // (none: gs: xlatb with a non-canonical offset and a canonical sum was one, until the host's offset check was
        // found to be AMD's own; CpuComparer.SegmentOffsetQuirk counts it)
    };

    public IReadOnlyList<Form> Forms { get; }
    /// <summary>Supported mnemonics (other than syscall) with no form at all, with why: listed in the report, never compared.</summary>
    public IReadOnlyDictionary<string, string> NotGenerated { get; }
    /// <summary>Codes of supported mnemonics that this generator cannot express (segment, control or debug registers...), with why.</summary>
    public IReadOnlyList<(Code Code, string Why)> Skipped { get; }

    public CaseGenerator()
    {
        var supported = InstructionSet.Supported.ToHashSet();
        var forms = new List<Form>();
        var skipped = new List<(Code, string)>();
        foreach (Code code in Enum.GetValues<Code>())
        {
            var info = code.ToOpCode();
            if (!info.IsInstruction || !info.Mode64 || info.Encoding != EncodingKind.Legacy) continue;
            string mn = code.Mnemonic().ToString().ToLowerInvariant();
            if (!supported.Contains(mn)) continue;
            if (NotNative.Contains(mn)) { skipped.Add((code, "not run natively (a real system call)")); continue; }
            if (code is Code.Jmp_m1664 or Code.Call_m1664) { skipped.Add((code, FarPointerRexWReason)); continue; }
            if (IsSegmentCode(code)) continue;                           // SegmentForms (CaseGenerator.Segments.cs)
            if (KnownDifferent.TryGetValue(code, out var known)) { skipped.Add((code, known)); continue; }
            if (X87Excluded.TryGetValue(code, out var x87Why)) { skipped.Add((code, x87Why)); continue; }
            if (!info.IntelDecoder64 || !info.AmdDecoder64 || info.DecoderOption != DecoderOptions.None) { skipped.Add((code, "decodes differently on Intel and AMD")); continue; }
            if (IsMmx(info)) { forms.AddRange(MmxForms(code, mn)); continue; } // CaseGenerator.Mmx.cs
            bool hasRm = false, ok = true;
            for (int k = 0; k < info.OpCount; k++)
            {
                var kind = info.GetOpKind(k);
                if (kind is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem
                    or OpCodeOperandKind.xmm_or_mem) hasRm = true;
                else if (!Generatable(kind)) { ok = false; skipped.Add((code, $"operand {kind}")); break; }
            }
            if (!ok) continue;
            string id = code.ToString();
            if (hasRm)
            {
                forms.Add(new Form(id + "/reg", mn, code, false));
                forms.Add(new Form(id + "/mem", mn, code, true));
            }
            else forms.Add(new Form(id, mn, code, info.OpCount > 0 && Enumerable.Range(0, info.OpCount).Any(k => IsMemKind(info.GetOpKind(k)))));
        }
        if (supported.Contains("xlatb") && KnownDifferent.TryGetValue(Code.Xlat_m8, out var knownXlat))
            skipped.Add((Code.Xlat_m8, knownXlat));
        else if (supported.Contains("xlatb"))
        {
            forms.Add(new Form(Code.Xlat_m8.ToString(), "xlatb", Code.Xlat_m8, true, XlatCase));
            skipped.RemoveAll(x => x.Item1 == Code.Xlat_m8);
        }
        if (supported.Contains("maskmovdqu"))
        {
            forms.Add(new Form(Code.Maskmovdqu_rDI_xmm_xmm.ToString(), "maskmovdqu", Code.Maskmovdqu_rDI_xmm_xmm, true, MaskmovdquCase));
            skipped.RemoveAll(s => s.Item1 == Code.Maskmovdqu_rDI_xmm_xmm);
        }
        forms.AddRange(SequenceForms(forms));
        forms.AddRange(ChainForms(forms));
        forms.AddRange(FaultForms.All(this));
        forms.AddRange(X87Forms());
        forms.AddRange(SegmentForms());
        forms.AddRange(CompatForms());
        Forms = forms;
        Skipped = skipped;
        var withForm = forms.Select(f => f.Mnemonic).ToHashSet();
        NotGenerated = supported.Where(m => !withForm.Contains(m) && !NotNative.Contains(m)).Order(StringComparer.Ordinal).ToDictionary(m => m, m =>
        {
            var why = skipped.Where(x => x.Item1.Mnemonic().ToString().Equals(m, StringComparison.OrdinalIgnoreCase)).Select(x => x.Item2).Distinct().ToList();
            return why.Count > 0 ? string.Join("; ", why) : "no 64-bit legacy encoding";
        });
    }

    private static bool IsMemKind(OpCodeOperandKind k) => k is OpCodeOperandKind.mem or OpCodeOperandKind.mem_offs or OpCodeOperandKind.seg_rSI or OpCodeOperandKind.es_rDI;

    private static bool Generatable(OpCodeOperandKind k) => k switch
    {
        OpCodeOperandKind.r8_reg or OpCodeOperandKind.r16_reg or OpCodeOperandKind.r32_reg or OpCodeOperandKind.r64_reg => true,
        OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r32_opcode or OpCodeOperandKind.r64_opcode => true,
        OpCodeOperandKind.r16_rm or OpCodeOperandKind.r32_rm or OpCodeOperandKind.r64_rm => true,
        OpCodeOperandKind.mem or OpCodeOperandKind.mem_offs => true,
        OpCodeOperandKind.al or OpCodeOperandKind.cl or OpCodeOperandKind.ax or OpCodeOperandKind.eax or OpCodeOperandKind.rax => true,
        OpCodeOperandKind.imm8 or OpCodeOperandKind.imm8_const_1 or OpCodeOperandKind.imm16 or OpCodeOperandKind.imm32 or OpCodeOperandKind.imm64 => true,
        OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 or OpCodeOperandKind.imm32sex64 => true,
        OpCodeOperandKind.br64_1 or OpCodeOperandKind.br64_4 => true,
        OpCodeOperandKind.seg_rSI or OpCodeOperandKind.es_rDI => true,
        OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm => true,
        _ => false,
    };

    // ------------------------------------------------------------------ values

    private static readonly ulong[] Edges =
    [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FF80, 0xFFFF_FFFF_8000_0000,
    ];

    /// <summary>A register or immediate value: an edge value (40%), small (20%) or random (40%).</summary>
    public static ulong Value(Random rng) => rng.Next(10) switch
    {
        < 4 => Edges[rng.Next(Edges.Length)] ^ (rng.Next(4) == 0 ? (ulong)rng.Next(1, 3) : 0),
        < 6 => (ulong)rng.Next(0, 65),
        _ => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
    };

    /// <summary>A shift or rotate count: 0, 1, width-1, width, width+1, 255, the 5- and 6-bit masks' edges, or random.</summary>
    private static int Count(Random rng, int bits) => rng.Next(12) switch
    {
        0 => 0, 1 => 1, 2 => bits - 1, 3 => bits, 4 => bits + 1, 5 => 255, 6 => 31, 7 => 32, 8 => 33, 9 => 63, 10 => 64,
        _ => rng.Next(256),
    };

    private static readonly Register[] R8 = [Register.AL, Register.CL, Register.DL, Register.BL, Register.SPL, Register.BPL, Register.SIL, Register.DIL,
        Register.R8L, Register.R9L, Register.R10L, Register.R11L, Register.R12L, Register.R13L, Register.R14L, Register.R15L, Register.AH, Register.CH, Register.DH, Register.BH];

    private static Register Gpr(Random rng, int bits)
    {
        if (bits == 8) return R8[rng.Next(R8.Length)];
        int n = rng.Next(16);
        return bits switch { 16 => Register.AX + n, 32 => Register.EAX + n, _ => Register.RAX + n };
    }

    private static int RegBits(OpCodeOperandKind k) => k switch
    {
        OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.al or OpCodeOperandKind.cl => 8,
        OpCodeOperandKind.r16_reg or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r16_rm or OpCodeOperandKind.ax => 16,
        OpCodeOperandKind.r32_reg or OpCodeOperandKind.r32_opcode or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r32_rm or OpCodeOperandKind.eax => 32,
        _ => 64,
    };

    // ------------------------------------------------------------------ cases

    /// <summary>The registers, stack words and segment bases a case's instructions need, filled while drafting them.</summary>
    private sealed class Draft
    {
        public readonly ulong[] Regs = new ulong[16];
        public readonly List<(ulong, ulong)> Words = [];
        public ulong Fs, Gs, Rflags;
        public ResultRule? Rule;
        /// <summary>Vector state: set for forms with XMM operands or MXCSR accesses (else the case has none).</summary>
        public UInt128[]? Xmm;
        public uint? Mxcsr;
        /// <summary>An MMX form (CaseGenerator.Mmx.cs): MM registers and memory operands get MMX values.</summary>
        public bool Mmx;
    }

    private static Draft NewDraft(Random rng)
    {
        var d = new Draft();
        for (int k = 0; k < 16; k++) d.Regs[k] = Value(rng);
        d.Regs[(int)Reg.Rsp] = CaseLayout.StackPointer + (ulong)(rng.Next(-8, 9) * 8);
        if (rng.Next(3) == 0) d.Regs[(int)Reg.Rbp] = CaseLayout.StackPointer - 0x40;
        d.Rflags = CpuCaseJson.FixedFlags | ((ulong)rng.NextInt64() & CpuCaseJson.SettableFlags & ~FlagRules.DF);
        if (rng.Next(4) == 0) d.Rflags |= FlagRules.DF;
        return d;
    }

    /// <summary>A case of <paramref name="instructions"/> instructions and the int3 after them (the budget leaves one to spare).</summary>
    private static GeneratedCase Case(string form, string mnemonic, Random rng, Draft d, byte[] bytes, ulong undefined, int instructions = 2) => new(new CpuCase
    {
        Name = form, Code = CaseLayout.Code(bytes), Rip = CaseLayout.Rip, Regs = d.Regs, Rflags = d.Rflags, FsBase = d.Fs, GsBase = d.Gs,
        Pages = CaseLayout.Pages(rng, [.. d.Words]), Budget = instructions + 2, Xmm = d.Xmm, Mxcsr = d.Mxcsr, Gdt = SegmentTable.Linux,
    }, form, mnemonic, undefined, Result: d.Rule);

    /// <summary>A case of <paramref name="f"/>, or null when this draw cannot be encoded (e.g. AH with a REX register).</summary>
    public GeneratedCase? Make(Form f, Random rng)
    {
        if (f.Custom != null) return f.Custom(rng);
        var d = NewDraft(rng);
        var mn = f.Code.ToOpCode().Mnemonic;
        if (UsesVectorState(f.Code.ToOpCode())) { } // movsd/cmpsd xmm forms share their mnemonics with the string instructions
        else if (mn is Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd or Mnemonic.Movsq or Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd or Mnemonic.Stosq
            or Mnemonic.Lodsb or Mnemonic.Lodsw or Mnemonic.Lodsd or Mnemonic.Lodsq or Mnemonic.Scasb or Mnemonic.Scasw or Mnemonic.Scasd or Mnemonic.Scasq
            or Mnemonic.Cmpsb or Mnemonic.Cmpsw or Mnemonic.Cmpsd or Mnemonic.Cmpsq)
            return StringCase(f, rng, d.Regs, d.Rflags);
        if (f.Code is Code.Enterq_imm16_imm8 or Code.Enterw_imm16_imm8)
        {
            // enter's two immediates have no table-driven operand kind: the frame size and a nesting level 0..31 (and above, mod 32).
            ushort size = (ushort)(rng.Next(4) == 0 ? rng.Next(0, 0x10000) : rng.Next(0, 64) * 8);
            byte level = (byte)(rng.Next(3) switch { 0 => 0, 1 => rng.Next(1, 4), _ => rng.Next(0, 256) });
            byte[] enter = f.Code == Code.Enterq_imm16_imm8 ? [0xC8, (byte)size, (byte)(size >> 8), level] : [0x66, 0xC8, (byte)size, (byte)(size >> 8), level];
            return Case(f.Id, f.Mnemonic, rng, d, enter, 0);
        }
        if (Draw(f, rng, d, out ulong undefined) is not Instruction ins || Encode(ins) is not byte[] bytes) return null;
        return Case(f.Id, f.Mnemonic, rng, d, bytes, undefined);
    }

    /// <summary>One instruction of form <paramref name="f"/> with drawn operands; registers it needs are set in <paramref name="d"/>.</summary>
    private static Instruction? Draw(Form f, Random rng, Draft d, out ulong undefined)
    {
        undefined = 0;
        var info = f.Code.ToOpCode();
        var regs = d.Regs;
        var words = d.Words;
        ulong fs = d.Fs, gs = d.Gs;
        bool branch = f.Mnemonic is "jmp" or "call" or "ret" || f.Mnemonic.StartsWith('j') || f.Mnemonic.StartsWith("loop", StringComparison.Ordinal);
        int bits = 0, count = 1;
        var ins = new Instruction { Code = f.Code };
        int countReg = -1;
        if (UsesVectorState(info)) VectorState(rng, d);

        for (int k = 0; k < info.OpCount; k++)
        {
            var kind = info.GetOpKind(k);
            switch (kind)
            {
                case OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem when f.Memory:
                case OpCodeOperandKind.xmm_or_mem when f.Memory:
                case OpCodeOperandKind.mm_or_mem when f.Memory:
                case OpCodeOperandKind.mem:
                case OpCodeOperandKind.mem_offs:
                {
                    int size = Math.Max(1, ins.MemorySize.GetSize());
                    if (bits == 0) bits = Math.Min(64, size * 8);
                    ulong? content = null;
                    if (branch) content = BranchTarget(rng, far: true);
                    var seg = Memory(rng, ref ins, k, kind == OpCodeOperandKind.mem_offs, size, regs, ref fs, ref gs, out ulong target);
                    _ = seg;
                    if (content is ulong t && target >= CaseLayout.Data0 && target < CaseLayout.Data0 + CaseLayout.HotBytes - 8) words.Add((target, t));
                    if (d.Mxcsr != null) VectorMemory(rng, f.Mnemonic, target, size, words);
                    else if (d.Mmx && target >= CaseLayout.Data0 && target < CaseLayout.Data0 + CaseLayout.HotBytes - 8) words.Add((target, MmxWord(rng)));
                    break;
                }
                case OpCodeOperandKind.mm_or_mem or OpCodeOperandKind.mm_reg or OpCodeOperandKind.mm_rm:
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, Register.MM0 + rng.Next(8));
                    break;
                case OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm:
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, Register.XMM0 + rng.Next(16));
                    break;
                case OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem:
                case OpCodeOperandKind.r8_reg or OpCodeOperandKind.r16_reg or OpCodeOperandKind.r32_reg or OpCodeOperandKind.r64_reg:
                case OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r32_opcode or OpCodeOperandKind.r64_opcode:
                case OpCodeOperandKind.r16_rm or OpCodeOperandKind.r32_rm or OpCodeOperandKind.r64_rm:
                {
                    int b = RegBits(kind);
                    if (bits == 0) bits = b;
                    Register r = Gpr(rng, b);
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, r);
                    if (branch && b == 64) regs[r.GetNumber()] = BranchTarget(rng, far: true);
                    break;
                }
                case OpCodeOperandKind.al or OpCodeOperandKind.ax or OpCodeOperandKind.eax or OpCodeOperandKind.rax or OpCodeOperandKind.cl:
                {
                    int b = RegBits(kind);
                    Register r = kind switch
                    {
                        OpCodeOperandKind.al => Register.AL, OpCodeOperandKind.cl => Register.CL, OpCodeOperandKind.ax => Register.AX,
                        OpCodeOperandKind.eax => Register.EAX, _ => Register.RAX,
                    };
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, r);
                    if (kind == OpCodeOperandKind.cl && k > 0) countReg = 1; // shift/rotate by CL
                    else if (bits == 0) bits = b;
                    break;
                }
                case OpCodeOperandKind.imm8_const_1:
                    ins.SetOpKind(k, OpKind.Immediate8); ins.Immediate8 = 1; count = 1; break;
                case OpCodeOperandKind.imm8:
                {
                    int v = IsShift(f.Mnemonic) || (d.Mmx && f.Mnemonic.StartsWith("ps", StringComparison.Ordinal) && f.Mnemonic != "pshufw")
                        ? Count(rng, Math.Max(8, bits)) : (int)(Value(rng) & 0xFF);
                    if (f.Mnemonic == "int") v = IntVector(rng);
                    if (f.Mnemonic == "enter" && k == 1) { ins.SetOpKind(k, OpKind.Immediate8_2nd); ins.Immediate8_2nd = (byte)v; break; } // nesting level
                    ins.SetOpKind(k, OpKind.Immediate8); ins.Immediate8 = (byte)v; count = v; break;
                }
                case OpCodeOperandKind.imm16 or OpCodeOperandKind.imm32 or OpCodeOperandKind.imm64 or OpCodeOperandKind.imm8sex16
                    or OpCodeOperandKind.imm8sex32 or OpCodeOperandKind.imm8sex64 or OpCodeOperandKind.imm32sex64:
                    SetImmediate(ref ins, k, kind, Value(rng));
                    break;
                case OpCodeOperandKind.br64_1 or OpCodeOperandKind.br64_4:
                    ins.SetOpKind(k, OpKind.NearBranch64);
                    ins.NearBranch64 = kind == OpCodeOperandKind.br64_1 ? NearTarget(rng) : BranchTarget(rng, far: false);
                    break;
                default:
                    return null;
            }
        }
        if (countReg >= 0) count = ClCount(rng, regs, bits);
        if (f.Mnemonic is "div" or "idiv") Dividend(rng, regs, f.Mnemonic == "idiv", bits);
        if (f.Mnemonic == "ret") words.Add((regs[(int)Reg.Rsp], BranchTarget(rng, far: true)));

        d.Fs = fs; d.Gs = gs;
        undefined = FlagRules.Undefined(f.Mnemonic, Math.Max(8, bits), count);
        int dst = ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetFullRegister().GetNumber() : -1;
        if (f.Mnemonic is "bsf" or "bsr") d.Rule = ResultRules.BitScanZero(f.Mnemonic, dst, bits);
        else if (f.Mnemonic is "shld" or "shrd") d.Rule = ResultRules.ShiftDoubleOverWidth(f.Mnemonic, bits, count, dst, dst >= 0 ? 0 : Address(ins, d));
        return ins;
    }

    /// <summary>
    /// The linear address of memory operand 0 with the final registers (a later operand may have changed a base or
    /// index register, e.g. CL for the count, so the drawn target is not always where the access goes).
    /// </summary>
    private static ulong Address(in Instruction ins, Draft d) => ins.GetVirtualAddress(0, 0, (r, _, _) => r switch
    {
        Register.FS => d.Fs, Register.GS => d.Gs,
        Register.ES or Register.CS or Register.SS or Register.DS or Register.None => 0,
        _ => d.Regs[r.GetFullRegister().GetNumber()] & (r.GetSize() >= 8 ? ulong.MaxValue : (1UL << (8 * r.GetSize())) - 1),
    });

    /// <summary>A shift or rotate count for CL (the rest of RCX kept), returned.</summary>
    private static int ClCount(Random rng, ulong[] regs, int bits)
    {
        int cl = Count(rng, Math.Max(8, bits));
        regs[(int)Reg.Rcx] = (regs[(int)Reg.Rcx] & ~0xFFUL) | (uint)cl;
        return cl;
    }

    /// <summary>Operand <paramref name="k"/> becomes an immediate of <paramref name="kind"/> (16, 32, 64 bits or sign-extended) holding <paramref name="v"/>.</summary>
    private static void SetImmediate(ref Instruction ins, int k, OpCodeOperandKind kind, ulong v)
    {
        switch (kind)
        {
            case OpCodeOperandKind.imm16: ins.SetOpKind(k, OpKind.Immediate16); ins.Immediate16 = (ushort)v; break;
            case OpCodeOperandKind.imm32: ins.SetOpKind(k, OpKind.Immediate32); ins.Immediate32 = (uint)v; break;
            case OpCodeOperandKind.imm64: ins.SetOpKind(k, OpKind.Immediate64); ins.Immediate64 = v; break;
            case OpCodeOperandKind.imm8sex16: ins.SetOpKind(k, OpKind.Immediate8to16); ins.Immediate8to16 = (sbyte)v; break;
            case OpCodeOperandKind.imm8sex32: ins.SetOpKind(k, OpKind.Immediate8to32); ins.Immediate8to32 = (sbyte)v; break;
            case OpCodeOperandKind.imm8sex64: ins.SetOpKind(k, OpKind.Immediate8to64); ins.Immediate8to64 = (sbyte)v; break;
            default: ins.SetOpKind(k, OpKind.Immediate32to64); ins.Immediate32to64 = (int)v; break;
        }
    }

    private static bool IsShift(string mn) => mn is "shl" or "sal" or "shr" or "sar" or "rol" or "ror" or "rcl" or "rcr" or "shld" or "shrd";

    /// <summary>int n: vectors whose gates fiasco and Linux both give DPL 0 (#GP(n*8+2)), or 3 (#BP). Linux opens 4 (#OF) and 0x80 to user mode.</summary>
    private static int IntVector(Random rng)
    {
        while (true)
        {
            int v = rng.Next(6) == 0 ? 3 : rng.Next(256);
            if (v is not (4 or 0x80)) return v;
        }
    }

    /// <summary>rDX:rAX such that the quotient often fits (half the draws), with a non-zero divisor most of the time.</summary>
    private static void Dividend(Random rng, ulong[] regs, bool signed, int bits)
    {
        if (rng.Next(2) == 0) return;
        ulong m = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        ulong a = regs[(int)Reg.Rax];
        bool neg = signed && ((a >> (bits - 1)) & 1) != 0;
        if (bits == 8) { regs[(int)Reg.Rax] = (a & ~0xFF00UL) | (neg ? 0xFF00UL : 0); return; }
        regs[(int)Reg.Rdx] = (regs[(int)Reg.Rdx] & ~m) | (neg ? m : 0);
    }

    /// <summary>A branch target: in the int3 area of the code page (mostly), or a faulting one (unmapped, NX data, non-canonical) when <paramref name="far"/>.</summary>
    private static ulong BranchTarget(Random rng, bool far)
    {
        int p = rng.Next(10);
        if (far && p == 0) return CaseLayout.NonCanonical + (ulong)rng.Next(0, 64);
        if (p == 1) return CaseLayout.Unmapped + (ulong)rng.Next(0, 4096);
        if (p == 2) return CaseLayout.Data0 + (ulong)rng.Next(0, 4096); // NX
        return NearTarget(rng);
    }

    /// <summary>
    /// A target within rel8 reach, always on int3 bytes: before the code, or past the at most 30 bytes of a two-instruction
    /// sequence. Never inside the code: a jump into an immediate would run its bytes, natively too (a stray syscall).
    /// </summary>
    private static ulong NearTarget(Random rng) =>
        rng.Next(2) == 0 ? CaseLayout.Rip - (ulong)rng.Next(1, 90) : CaseLayout.Rip + 32 + (ulong)rng.Next(0, 90);

    /// <summary>
    /// Operand <paramref name="k"/> becomes memory: picks an addressing shape and a target (data, a page crossing, or a
    /// faulting address) and sets the base/index registers so the effective address is that target.
    /// </summary>
    private static Register Memory(Random rng, ref Instruction ins, int k, bool moffs, int size, ulong[] regs, ref ulong fs, ref ulong gs, out ulong target)
    {
        ins.SetOpKind(k, OpKind.Memory);
        Register seg = Register.None;
        ulong segBase = 0;
        int t = rng.Next(100);
        target = t switch
        {
            < 60 => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - size + 1),
            < 66 => CaseLayout.Data1 - (ulong)rng.Next(1, Math.Max(2, size)),             // crosses Data0 -> Data1
            < 72 => CaseLayout.ReadOnly + (ulong)rng.Next(0, 64),                           // #PF for writes
            < 76 => CaseLayout.Unmapped - (ulong)rng.Next(1, Math.Max(2, size)),          // crosses into the unmapped page
            < 80 => CaseLayout.Unmapped + (ulong)rng.Next(0, 4096 - size),
            < 84 => CaseLayout.NonCanonical + (ulong)rng.Next(0, 64),                       // #GP (or #SS)
            < 86 => CaseLayout.NonCanonical - (ulong)rng.Next(1, Math.Max(2, size)),      // ends non-canonical
            < 88 => CaseLayout.KernelHalf + (ulong)rng.Next(0, 4096),                       // #PF, canonical kernel half
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - size + 1),
        };
        if (size == 16 && rng.Next(4) != 0) target &= ~15UL; // legacy SSE m128 operands: mostly aligned, sometimes not (#GP)
        if (moffs)
        {
            ins.MemoryBase = Register.None; ins.MemoryIndex = Register.None; ins.MemoryDisplSize = 8; ins.MemoryDisplacement64 = target;
            return seg;
        }
        if (t >= 88 && t < 94) { seg = Register.FS; segBase = fs = CaseLayout.FsPage - 0x1000 * (ulong)rng.Next(0, 3); target = CaseLayout.FsPage + (target - CaseLayout.Data0); }
        else if (t >= 94) { seg = Register.GS; segBase = gs = CaseLayout.GsPage; target = CaseLayout.GsPage + (target - CaseLayout.Data0); }
        ins.SegmentPrefix = seg;
        ulong ea = target - segBase;
        int shape = rng.Next(10);
        bool addr32 = shape == 9 && ea < 0x1_0000_0000;
        if (shape == 0 && seg == Register.None)
        {   // RIP-relative: the target must be within +-2 GiB of the code, so only the data pages
            ins.MemoryBase = Register.RIP; ins.MemoryIndex = Register.None; ins.MemoryDisplSize = 8; ins.MemoryDisplacement64 = ea < 0x1_0000_0000 ? ea : CaseLayout.Data0;
            target = ins.MemoryDisplacement64;
            return seg;
        }
        if (shape == 1 && ea < 0x8000_0000)
        {   // absolute [disp32]
            ins.MemoryBase = Register.None; ins.MemoryIndex = Register.None; ins.MemoryDisplSize = 8; ins.MemoryDisplacement64 = ea;
            return seg;
        }
        int b = rng.Next(16);
        int x = rng.Next(3) == 0 ? -1 : rng.Next(16);
        if (x == 4 || x == b) x = -1; // RSP cannot be an index; a shared base/index needs another equation
        int scale = 1 << rng.Next(4);
        long disp = rng.Next(4) switch { 0 => 0, 1 => rng.Next(-128, 128), 2 => rng.Next(-0x10000, 0x10000), _ => rng.Next(int.MinValue, int.MaxValue) };
        ulong xv = x < 0 ? 0 : rng.Next(2) == 0 ? (ulong)rng.Next(0, 16) : Value(rng);
        ulong bv = ea - (ulong)disp - xv * (ulong)scale;
        if (addr32)
        {
            ins.MemoryBase = Register.EAX + b; ins.MemoryIndex = x < 0 ? Register.None : Register.EAX + x;
            regs[b] = (Value(rng) << 32) | (uint)bv;
            if (x >= 0) regs[x] = (Value(rng) << 32) | (uint)xv;
        }
        else
        {
            ins.MemoryBase = Register.RAX + b; ins.MemoryIndex = x < 0 ? Register.None : Register.RAX + x;
            regs[b] = bv;
            if (x >= 0) regs[x] = xv;
        }
        ins.MemoryIndexScale = x < 0 ? 1 : scale;
        ins.MemoryDisplacement64 = addr32 ? (ulong)(uint)(int)disp : (ulong)disp;
        // Iced's displacement size is the address size (8, or 4 with 0x67) for a disp32, 1 for a disp8
        ins.MemoryDisplSize = disp == 0 ? 0 : disp is >= -128 and < 128 ? 1 : addr32 ? 4 : 8;
        return seg;
    }

    /// <summary>movs/stos/lods/scas/cmps, with or without rep (repe/repne): RSI/RDI into the data pages (or faulting), RCX small, DF random, maybe an FS/GS source.</summary>
    private static GeneratedCase? StringCase(Form f, Random rng, ulong[] regs, ulong rflags)
    {
        var mn = f.Code.ToOpCode().Mnemonic;
        RepPrefixKind rep = rng.Next(3) switch { 0 => RepPrefixKind.None, 1 => RepPrefixKind.Repe, _ => RepPrefixKind.Repne };
        Register seg = rng.Next(6) switch { 0 => Register.FS, 1 => Register.GS, _ => Register.None };
        Instruction ins = mn switch
        {
            Mnemonic.Movsb => Instruction.CreateMovsb(64, seg, rep), Mnemonic.Movsw => Instruction.CreateMovsw(64, seg, rep),
            Mnemonic.Movsd => Instruction.CreateMovsd(64, seg, rep), Mnemonic.Movsq => Instruction.CreateMovsq(64, seg, rep),
            Mnemonic.Stosb => Instruction.CreateStosb(64, rep), Mnemonic.Stosw => Instruction.CreateStosw(64, rep),
            Mnemonic.Stosd => Instruction.CreateStosd(64, rep), Mnemonic.Stosq => Instruction.CreateStosq(64, rep),
            Mnemonic.Lodsb => Instruction.CreateLodsb(64, seg, rep), Mnemonic.Lodsw => Instruction.CreateLodsw(64, seg, rep),
            Mnemonic.Lodsd => Instruction.CreateLodsd(64, seg, rep), Mnemonic.Lodsq => Instruction.CreateLodsq(64, seg, rep),
            Mnemonic.Scasb => Instruction.CreateScasb(64, rep), Mnemonic.Scasw => Instruction.CreateScasw(64, rep),
            Mnemonic.Scasd => Instruction.CreateScasd(64, rep), Mnemonic.Scasq => Instruction.CreateScasq(64, rep),
            Mnemonic.Cmpsb => Instruction.CreateCmpsb(64, seg, rep), Mnemonic.Cmpsw => Instruction.CreateCmpsw(64, seg, rep),
            Mnemonic.Cmpsd => Instruction.CreateCmpsd(64, seg, rep), _ => Instruction.CreateCmpsq(64, seg, rep),
        };
        if (ins.Code != f.Code) return null;
        ulong fs = 0, gs = 0;
        // Pointers that fault at once, part-way (a copy running into the read-only or unmapped page), cross a page, or overlap.
        ulong Ptr() => rng.Next(14) switch
        {
            0 => CaseLayout.ReadOnly + (ulong)rng.Next(0, 128),
            1 => CaseLayout.Unmapped - (ulong)rng.Next(1, 64),
            2 => CaseLayout.NonCanonical - (ulong)rng.Next(0, 16),
            3 => CaseLayout.Data1 - (ulong)rng.Next(1, 64),
            4 => CaseLayout.ReadOnly - (ulong)rng.Next(1, 200),
            5 => CaseLayout.Data1 + (ulong)rng.Next(0, 4096),
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, 256),
        };
        regs[(int)Reg.Rsi] = Ptr();
        regs[(int)Reg.Rdi] = Ptr();
        if (seg == Register.FS) { fs = CaseLayout.FsPage - CaseLayout.Data0; }
        if (seg == Register.GS) { gs = CaseLayout.GsPage - CaseLayout.Data0; }
        regs[(int)Reg.Rcx] = rng.Next(8) switch { 0 => Value(rng), 1 => (ulong)rng.Next(0, 1200), _ => (ulong)rng.Next(0, 40) };
        if (rng.Next(2) == 0 && rep != RepPrefixKind.None) regs[(int)Reg.Rdi] = regs[(int)Reg.Rsi] + (ulong)rng.Next(-16, 17); // overlapping
        byte[]? bytes = Encode(ins);
        if (bytes == null) return null;
        var c = new CpuCase
        {
            Name = f.Id, Code = CaseLayout.Code(bytes), Rip = CaseLayout.Rip, Regs = regs, Rflags = rflags, FsBase = fs, GsBase = gs,
            Pages = CaseLayout.Pages(rng), Budget = 2, Gdt = SegmentTable.Linux,
        };
        return new GeneratedCase(c, f.Id, f.Mnemonic, 0);
    }

    /// <summary>
    /// xlatb (its operand, [seg:rBX + AL], is no table-driven kind): AL = the byte at RBX + AL, or EBX + AL wrapped to
    /// 32 bits with 0x67, maybe through FS/GS; RBX is set so that address is in the data pages or at a faulting one.
    /// </summary>
    private static GeneratedCase? XlatCase(Random rng)
    {
        var d = NewDraft(rng);
        bool a32 = rng.Next(3) == 0;
        int seg = rng.Next(6); // 0: FS, 1: GS, else none
        ulong target = rng.Next(10) switch
        {
            0 => CaseLayout.Unmapped + (ulong)rng.Next(0, 4096),
            1 => CaseLayout.NonCanonical + (ulong)rng.Next(0, 64),
            2 => CaseLayout.KernelHalf + (ulong)rng.Next(0, 4096),
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes),
        };
        ulong segBase = 0;
        if (seg == 0) segBase = d.Fs = CaseLayout.FsPage - CaseLayout.Data0;
        if (seg == 1) segBase = d.Gs = CaseLayout.GsPage - CaseLayout.Data0;
        ulong ea = target - segBase, al = d.Regs[(int)Reg.Rax] & 0xFF;
        if (a32 && ea >= 0x1_0000_0000) a32 = false;
        d.Regs[(int)Reg.Rbx] = a32 ? (Value(rng) << 32) | (uint)(ea - al) : ea - al;
        var bytes = new List<byte>();
        if (seg == 0) bytes.Add(0x64);
        if (seg == 1) bytes.Add(0x65);
        if (a32) bytes.Add(0x67);
        bytes.Add(0xD7);
        return Case(Code.Xlat_m8.ToString(), "xlatb", rng, d, [.. bytes], 0);
    }

    /// <summary>
    /// maskmovdqu xmm, xmm (66 0F F7 /r) storing to [RDI] (EDI with 0x67; FS/GS prefixes sometimes): an empty, full or
    /// random mask, a target in the data page, across into it, read-only, unmapped or not canonical.
    /// </summary>
    private static GeneratedCase? MaskmovdquCase(Random rng)
    {
        var d = NewDraft(rng);
        VectorState(rng, d);
        int x = rng.Next(8), y = rng.Next(8);
        ulong mask = rng.Next(6) switch { 0 => 0, 1 => ulong.MaxValue, _ => (ulong)rng.NextInt64() };
        d.Xmm![y] = new UInt128(mask ^ ((ulong)rng.Next(2) << 63), mask);
        int seg = rng.Next(6);
        var (target, segBase) = MaskedStoreTarget(rng, d, seg, 16);
        bool a32 = seg > 1 && rng.Next(4) == 0 && target < 0x1_0000_0000;
        d.Regs[(int)Reg.Rdi] = a32 ? (Value(rng) << 32) | (uint)target : target - segBase;
        var bytes = new List<byte>();
        if (seg == 0) bytes.Add(0x64);
        if (seg == 1) bytes.Add(0x65);
        bytes.Add(0x66);
        if (a32) bytes.Add(0x67);
        bytes.AddRange([0x0F, 0xF7, (byte)(0xC0 | x << 3 | y)]);
        return Case(Code.Maskmovdqu_rDI_xmm_xmm.ToString(), "maskmovdqu", rng, d, [.. bytes], 0);
    }

    /// <summary>
    /// Where a masked store (maskmovdqu, maskmovq) of <paramref name="width"/> bytes goes: read-only, ending in an unmapped
    /// page, across the canonical boundary, across into the data page, or in it; with an FS (seg 0) or GS (1) override,
    /// in the data page through that base. Returns the linear target and the segment base RDI is relative to.
    /// </summary>
    private static (ulong Target, ulong SegBase) MaskedStoreTarget(Random rng, Draft d, int seg, int width)
    {
        ulong target = rng.Next(10) switch
        {
            0 => CaseLayout.ReadOnly + (ulong)rng.Next(0, 64),
            1 => CaseLayout.Unmapped - (ulong)rng.Next(1, width),
            2 => CaseLayout.NonCanonical - (ulong)rng.Next(0, width),
            3 => CaseLayout.Data1 - (ulong)rng.Next(1, width),
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - width),
        };
        ulong segBase = 0;
        if (seg == 0) segBase = d.Fs = CaseLayout.FsPage - CaseLayout.Data0;
        if (seg == 1) segBase = d.Gs = CaseLayout.GsPage - CaseLayout.Data0;
        if (seg <= 1) target = CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - width);
        return (target, segBase);
    }

    // ------------------------------------------------------------------ vector state

    /// <summary>Whether a form reads or writes XMM registers or MXCSR: then its cases carry XMM0-15 and MXCSR.</summary>
    private static bool UsesVectorState(OpCodeInfo info)
    {
        if (info.Mnemonic is Mnemonic.Ldmxcsr or Mnemonic.Stmxcsr) return true;
        for (int k = 0; k < info.OpCount; k++)
            if (info.GetOpKind(k) is OpCodeOperandKind.xmm_reg or OpCodeOperandKind.xmm_rm or OpCodeOperandKind.xmm_or_mem) return true;
        return false;
    }

    /// <summary>Singles worth testing: zeros, infinities, quiet and signalling NaNs, denormals, the extreme normals, integer-conversion edges.</summary>
    private static readonly uint[] SingleEdges =
    [
        0, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FC0_0001, 0xFFE0_1234, 0x7F80_0001, 0x7FA0_0000, 0xFF90_0000,
        0x0000_0001, 0x007F_FFFF, 0x8040_0000, 0x0080_0000, 0x8080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x3F80_0000, 0xBF80_0000,
        0x3FC0_0000, 0x3DCC_CCCD, 0x3F00_0000, 0xBF00_0000, 0x4040_0000, 0x4F00_0000, 0xCF00_0000, 0x4EFF_FFFF, 0xCF00_0001,
        0x5F00_0000, 0xDF00_0000, 0x5EFF_FFFF, 0x0D00_0000, 0x1F80_0000, 0x7E80_0000, 0x0080_0001, 0x3400_0000,
    ];

    /// <summary>Doubles worth testing, as <see cref="SingleEdges"/>, plus the singles' limits as doubles.</summary>
    private static readonly ulong[] DoubleEdges =
    [
        0, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
        0x7FF8_0000_0000_0001, 0xFFFC_0000_1234_5678, 0x7FF0_0000_0000_0001, 0x7FF4_0000_0000_0000, 0xFFF0_0000_0000_0002,
        0x0000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF, 0x8008_0000_0000_0000, 0x0010_0000_0000_0000, 0x8010_0000_0000_0000,
        0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF, 0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FF8_0000_0000_0000,
        0x3FB9_9999_9999_999A, 0x3FE0_0000_0000_0000, 0x4008_0000_0000_0000, 0x41E0_0000_0000_0000, 0xC1E0_0000_0000_0000,
        0x41DF_FFFF_FFE0_0000, 0x41DF_FFFF_FFC0_0000, 0xC1E0_0000_0020_0000, 0xC1E0_0000_0010_0000, 0x43E0_0000_0000_0000,
        0xC3E0_0000_0000_0000, 0x43DF_FFFF_FFFF_FFFF, 0x47EF_FFFF_E000_0000, 0x47EF_FFFF_F000_0000, 0x47F0_0000_0000_0000,
        0x3810_0000_0000_0000, 0x380F_FFFF_FFFF_FFFF, 0x36A0_0000_0000_0000, 0x3690_0000_0000_0000, 0x36A8_0000_0000_0000,
        0x2000_0000_0000_0000, 0x5FF0_0000_0000_0000,
    ];

    /// <summary>A single: an edge (half the draws) or a random sign, exponent near 1.0 (or anywhere) and fraction.</summary>
    public static uint SingleValue(Random rng) => rng.Next(4) switch
    {
        < 2 => SingleEdges[rng.Next(SingleEdges.Length)],
        2 => ((uint)rng.Next(2) << 31) | ((uint)rng.Next(112, 160) << 23) | (uint)rng.Next(0, 1 << 23),
        _ => (uint)rng.NextInt64(),
    };

    public static ulong DoubleValue(Random rng) => rng.Next(4) switch
    {
        < 2 => DoubleEdges[rng.Next(DoubleEdges.Length)],
        2 => ((ulong)rng.Next(2) << 63) | ((ulong)rng.Next(960, 1090) << 52) | ((ulong)rng.NextInt64() & 0x000F_FFFF_FFFF_FFFF),
        _ => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63),
    };

    /// <summary>64 bits of an XMM register or memory operand: two singles, a double, or an integer edge or random value.</summary>
    private static ulong VectorWord(Random rng) => rng.Next(4) switch
    {
        0 => SingleValue(rng) | ((ulong)SingleValue(rng) << 32),
        1 => DoubleValue(rng),
        2 => (uint)Value(rng) | (Value(rng) << 32),
        _ => DoubleValue(rng),
    };

    /// <summary>
    /// An MXCSR a case starts with: a random rounding mode (half of them round-to-nearest), all exceptions masked or a
    /// random mask set, some sticky flags, DAZ and FTZ sometimes.
    /// </summary>
    public static uint MxcsrValue(Random rng)
    {
        uint rc = rng.Next(2) == 0 ? 0u : (uint)rng.Next(4);
        uint masks = rng.Next(5) < 3 ? 0x3Fu : (uint)rng.Next(64);
        uint flags = rng.Next(2) == 0 ? 0u : (uint)rng.Next(64);
        uint daz = rng.Next(4) == 0 ? Mxcsr.Daz : 0, ftz = rng.Next(4) == 0 ? Mxcsr.Ftz : 0;
        return flags | daz | (masks << Mxcsr.MaskShift) | (rc << Mxcsr.RcShift) | ftz;
    }

    private static void VectorState(Random rng, Draft d)
    {
        d.Xmm = new UInt128[16];
        for (int k = 0; k < 16; k++) d.Xmm[k] = new UInt128(VectorWord(rng), VectorWord(rng));
        d.Mxcsr = MxcsrValue(rng);
    }

    /// <summary>Floating-point (or MXCSR) values at a memory operand in the data page's random bytes.</summary>
    private static void VectorMemory(Random rng, string mnemonic, ulong target, int size, List<(ulong, ulong)> words)
    {
        for (int off = 0; off < size; off += 8)
        {
            ulong va = target + (ulong)off;
            if (va < CaseLayout.Data0 || va >= CaseLayout.Data0 + CaseLayout.HotBytes - 8) continue;
            ulong w = VectorWord(rng);
            if (mnemonic == "ldmxcsr")
                w = (w & ~0xFFFF_FFFFUL) | MxcsrValue(rng) | (rng.Next(8) == 0 ? 1UL << rng.Next(16, 32) : 0);
            words.Add((va, w));
        }
    }

    /// <summary>Encode at the case's RIP with Iced's Assembler (branches kept in their form: no fixing).</summary>
    public static byte[]? Encode(Instruction ins)
    {
        try
        {
            var a = new Assembler(64);
            a.AddInstruction(ins);
            var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip, BlockEncoderOptions.DontFixBranches);
            return ms.ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
    }
}

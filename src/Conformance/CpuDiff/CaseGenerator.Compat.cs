using Iced.Intel;
using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Compatibility-mode cases (CpuCase.Compat: CS 0x23, DS/ES 0x2B on Linux's table): every general-purpose integer
/// form valid in 32-bit mode whose mnemonic the model executes, the IA-32-only ones among them (pusha, popa, the
/// decimal adjustments, bound, arpl, salc, les, lds, push/pop of ES/CS/SS/DS), with random upper register halves (a
/// 32-bit write must clear them, R8-R15 must survive), 32-bit addressing through every base and index register,
/// and segment overrides (CS: a write is #GP(0); FS/GS hold the null selector).
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>
    /// Left out of the compatibility-mode forms, with why (their 64-bit forms are compared): the environment-defined
    /// ones, the segment-loading transfers (CaseGenerator.Segments.cs covers their checks), into (Linux opens vector 4
    /// to user mode, Fiasco does not), sysenter (AMD CPUs raise #UD in IA-32e mode, QEMU's TCG and Intel #GP(0)), int n.
    /// </summary>
    private static readonly HashSet<string> CompatSkipped =
        ["cpuid", "rdtsc", "sgdt", "sidt", "sldt", "str", "smsw", "into", "int", "int1", "int3", "iret", "iretd", "retf", "syscall",
         "lfs", "lgs", "lss", "lar", "lsl", "verr", "verw", "xlatb", "ud0", "ud1", "ud2", "hlt", "nop", "pause", "endbr32", "endbr64"];

    /// <summary>A kind of compatibility-mode code on the host: its id prefix, how it decodes, its code selector and base.</summary>
    private sealed record CodeKind(string Prefix, int Bits, ushort Cs, ulong Base);

    /// <summary>Linux's flat 32-bit user code, and the helper's 16-bit LDT code segment based at the code page.</summary>
    private static readonly CodeKind Code32 = new("compat/", 32, LinuxGdt.UserCode32, 0), Code16 = new("compat16/", 16, LinuxGdt.Code16, LinuxGdt.LdtCodeBase);

    private static IEnumerable<Form> CompatForms() =>
        CodeForms(Code32).Concat(CodeForms(Code16)).Concat(CompatLimitForms()).Concat(CodeLimitForms()).Concat(SeamForms());

    /// <summary>
    /// Code whose pages of EIP lie across two linear pages (the helper's LDT segment 0x17, based at 0x0FFFF800): an
    /// instruction running across the linear page boundary 0x10001000, which is mid-page in EIP, with the next linear
    /// page there (mapped by the code's bytes) or not (the instruction is cut at the boundary: #PF on the fetch).
    /// </summary>
    private static IEnumerable<Form> SeamForms()
    {
        foreach (bool cut in new[] { false, true })
        {
            string id = cut ? "compat/half-page-cs/seam-unmapped" : "compat/half-page-cs/seam";
            yield return new Form(id, "add", Code.Add_rm32_imm32, false, r => SeamCase(r, id, cut));
        }
    }

    private static GeneratedCase? SeamCase(Random rng, string id, bool cut)
    {
        var d = CompatDraft(rng);
        var regs = d.Regs;
        const ulong seam = LinuxGdt.LdtCodeBase + 0x1000;
        // An instruction of 5 to 7 bytes whose bytes run across the seam.
        var a = new Assembler(32);
        int r = rng.Next(8);
        var dst = new AssemblerRegister32(Register.EAX + (r == 4 ? 0 : r));
        string mn = rng.Next(3) switch { 0 => "add", 1 => "mov", _ => "imul" };
        switch (mn)
        {
            case "add": a.add(dst, (int)Value(rng)); break;
            case "mov": a.mov(dst, AssemblerRegisters.__dword_ptr[CaseLayout.Data0 + (ulong)rng.Next(0, 64)]); break;
            default: a.imul(dst, new AssemblerRegister32(Register.EAX + rng.Next(8)), (int)Value(rng)); break;
        }
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), 0);
        byte[] ins = ms.ToArray();
        int before = rng.Next(1, ins.Length);
        ulong rip = seam - (ulong)before;
        byte[] code = cut ? ins[..before] : [.. ins, 0xCC];
        var c = new CpuCase
        {
            Name = id, Code = code, Rip = rip, Regs = regs, Rflags = d.Rflags, Pages = CaseLayout.Pages(rng), Budget = 3,
            Gdt = SegmentTable.Linux, Cs = LinuxGdt.Code32HalfPage,
        };
        return new GeneratedCase(c, id, mn, FlagRules.Undefined(mn, 32, 1));
    }

    private static IEnumerable<Form> CodeForms(CodeKind code16or32)
    {
        var supported = InstructionSet.Supported.Concat(InstructionSet.CompatibilityOnly).ToHashSet();
        foreach (Code code in Enum.GetValues<Code>())
        {
            var info = code.ToOpCode();
            if (!info.IsInstruction || !(code16or32.Bits == 32 ? info.Mode32 : info.Mode16) || info.Encoding != EncodingKind.Legacy
                || info.DecoderOption != DecoderOptions.None) continue;
            string mn = code.Mnemonic().ToString().ToLowerInvariant();
            if (!supported.Contains(mn) || CompatSkipped.Contains(mn)) continue;
            // x87, SSE and MMX state instructions: the same in both modes, compared by their 64-bit forms
            if (mn.StartsWith('f') || mn.StartsWith("prefetch", StringComparison.Ordinal) || mn is "wait" or "ldmxcsr" or "stmxcsr" or "clflush" or "emms") continue;
            if (code is Code.Jmp_m1616 or Code.Jmp_m1632 or Code.Call_m1616 or Code.Call_m1632 or Code.Jmp_ptr1616 or Code.Jmp_ptr1632
                or Code.Call_ptr1616 or Code.Call_ptr1632 or Code.Popw_SS or Code.Popd_SS) continue;
            if (info.AddressSize == 16 || info.OperandSize == 64) continue;
            bool hasRm = false, ok = true;
            for (int k = 0; k < info.OpCount && ok; k++)
            {
                var kind = info.GetOpKind(k);
                if (kind is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem) hasRm = true;
                else ok = CompatGeneratable(kind);
            }
            if (!ok) continue;
            string id = code16or32.Prefix + code;
            var ck = code16or32;
            if (hasRm)
            {
                yield return new Form(id + "/reg", mn, code, false, r => CompatCase(r, ck, code, mn, memory: false));
                yield return new Form(id + "/mem", mn, code, true, r => CompatCase(r, ck, code, mn, memory: true));
            }
            else yield return new Form(id, mn, code, true, r => CompatCase(r, ck, code, mn, memory: true));
        }
    }

    /// <summary>
    /// CS limits on the host: 32-bit code in the helper's LDT segment 0x0F (base 0x10000000, limit 0xFFF) branches with
    /// jmp, call, ret, jcc or loop to targets within or past the limit (#GP(0) at the branch), or runs off its end.
    /// </summary>
    private static IEnumerable<Form> CodeLimitForms()
    {
        foreach (var what in new[] { "jmp", "call", "ret", "jcc", "loop", "run-off" })
        {
            string id = $"compat/code-limit/{what}";
            yield return new Form(id, what == "run-off" ? "nop" : what == "jcc" ? "jne" : what, Code.Nopd, false, r => CodeLimitCase(r, id, what));
        }
    }

    private static GeneratedCase? CodeLimitCase(Random rng, string id, string what)
    {
        var d = CompatDraft(rng);
        var regs = d.Regs;
        ulong ip = CaseLayout.Rip - LinuxGdt.LdtCodeBase, limit = LinuxGdt.Code32Limit;
        // A target within the limit (on int3 bytes), just past it, or far past it.
        uint target = (uint)(rng.Next(3) switch { 0 => ip + 0x40, 1 => limit + 1 + (ulong)rng.Next(0, 4), _ => (ulong)rng.Next(0x1000, 0x100000) });
        var a = new Assembler(32) { PreferShortBranch = false };
        ulong rip = CaseLayout.Rip;
        if (what == "loop")
        {   // rel8 reaches past the limit only from near it: the loop at 0xFF0, its target on the int3 bytes after it or past 0xFFF
            rip = LinuxGdt.LdtCodeBase + 0xFF0;
            target = (uint)(rng.Next(2) == 0 ? 0xFF2 + (ulong)rng.Next(0, 12) : limit + 1 + (ulong)rng.Next(0, 100));
        }
        switch (what)
        {
            case "jmp": a.jmp(target); break;
            case "call": a.call(target); break;
            case "ret": a.ret(); d.Words.Add(((uint)regs[(int)Reg.Rsp], target)); break;
            case "jcc": a.jne(target); break;
            case "loop": a.loop(target); break;
            default:
                // nops up to the limit: the last one ends at it or runs past it
                rip = LinuxGdt.LdtCodeBase + limit + 1 - (ulong)rng.Next(1, 4);
                a.nop(); a.nop(); a.nop();
                break;
        }
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), rip - LinuxGdt.LdtCodeBase, BlockEncoderOptions.DontFixBranches);
        var code = what == "run-off" ? ms.ToArray() : CaseLayout.Code(ms.ToArray());
        var pages = CaseLayout.Pages(rng, [.. d.Words]);
        var c = new CpuCase
        {
            Name = id, Code = code, Rip = rip, Regs = regs, Rflags = d.Rflags, Pages = pages, Budget = 5, Gdt = SegmentTable.Linux,
            Cs = LinuxGdt.Code32Limited,
        };
        return new GeneratedCase(c, id, what == "run-off" ? "nop" : what == "jcc" ? "jne" : what, 0);
    }

    /// <summary>
    /// Segment limits and types on the host: DS or FS is loaded with Linux's CPUNODE selector 0x7B (a read-only,
    /// expand-down data segment with B set whose limit is the CPU and node number: 0 for CPU 0, where the helper runs),
    /// then read or written at offsets around the limit (0: #GP(0)), in the data pages, and across the 4 GiB end.
    /// </summary>
    private static IEnumerable<Form> CompatLimitForms()
    {
        foreach (var (seg, write) in new[] { ("ds", false), ("ds", true), ("fs", false), ("fs", true) })
        {
            string id = $"compat/limit/{seg}-{(write ? "write" : "read")}";
            yield return new Form(id, "mov", Code.Mov_Sreg_r32m16, true, r => CompatLimitCase(r, id, seg == "fs", write));
        }
    }

    private static GeneratedCase? CompatLimitCase(Random rng, string id, bool fs, bool write)
    {
        var d = CompatDraft(rng);
        var regs = d.Regs;
        uint off = rng.Next(8) switch
        {
            0 => 0, 1 => 1, 2 => 0xFFFF_FFFF - (uint)rng.Next(0, 4), 3 => (uint)CaseLayout.ReadOnly + (uint)rng.Next(0, 64),
            _ => (uint)CaseLayout.Data0 + (uint)rng.Next(0, CaseLayout.HotBytes - 4),
        };
        regs[(int)Reg.Rbx] = (Value(rng) << 32) | off;
        regs[(int)Reg.Rax] = (Value(rng) << 32) | 0x7B;
        int size = rng.Next(3) switch { 0 => 1, 1 => 2, _ => 4 };
        var a = new Assembler(32);
        if (fs) a.mov(AssemblerRegisters.fs, AssemblerRegisters.eax); else a.mov(AssemblerRegisters.ds, AssemblerRegisters.eax);
        var m = size == 1 ? (fs ? AssemblerRegisters.__byte_ptr.fs[AssemblerRegisters.ebx] : AssemblerRegisters.__byte_ptr[AssemblerRegisters.ebx])
            : size == 2 ? (fs ? AssemblerRegisters.__word_ptr.fs[AssemblerRegisters.ebx] : AssemblerRegisters.__word_ptr[AssemblerRegisters.ebx])
            : (fs ? AssemblerRegisters.__dword_ptr.fs[AssemblerRegisters.ebx] : AssemblerRegisters.__dword_ptr[AssemblerRegisters.ebx]);
        if (write) a.add(m, 1); else a.cmp(m, 1);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip);
        var c = new CpuCase
        {
            Name = id, Code = CaseLayout.Code(ms.ToArray()), Rip = CaseLayout.Rip, Regs = regs, Rflags = d.Rflags,
            Pages = CaseLayout.Pages(rng), Budget = 4, Gdt = SegmentTable.Linux, Cs = LinuxGdt.UserCode32,
        };
        return new GeneratedCase(c, id, "mov", 0);
    }

    /// <summary>
    /// A draft for compatibility-mode code: RSP's upper half clear (the SDM leaves it undefined across a mode switch; the
    /// AMD host reports it cleared after any run in compatibility mode), the other registers' random.
    /// </summary>
    private static Draft CompatDraft(Random rng)
    {
        var d = NewDraft(rng);
        d.Regs[(int)Reg.Rsp] = (uint)d.Regs[(int)Reg.Rsp];
        return d;
    }

    private static bool CompatGeneratable(OpCodeOperandKind k) => k switch
    {
        OpCodeOperandKind.r8_reg or OpCodeOperandKind.r16_reg or OpCodeOperandKind.r32_reg => true,
        OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r32_opcode => true,
        OpCodeOperandKind.r16_rm or OpCodeOperandKind.r32_rm or OpCodeOperandKind.mem => true,
        OpCodeOperandKind.al or OpCodeOperandKind.cl or OpCodeOperandKind.ax or OpCodeOperandKind.eax => true,
        OpCodeOperandKind.imm8 or OpCodeOperandKind.imm8_const_1 or OpCodeOperandKind.imm16 or OpCodeOperandKind.imm32 => true,
        OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32 => true,
        OpCodeOperandKind.br16_1 or OpCodeOperandKind.br32_1 or OpCodeOperandKind.br16_2 or OpCodeOperandKind.br32_4 => true,
        OpCodeOperandKind.seg_rSI or OpCodeOperandKind.es_rDI => true,
        OpCodeOperandKind.es or OpCodeOperandKind.cs or OpCodeOperandKind.ss or OpCodeOperandKind.ds => true,
        _ => false,
    };

    /// <summary>One compatibility-mode case of <paramref name="code"/>, or null when this draw does not encode.</summary>
    private static GeneratedCase? CompatCase(Random rng, CodeKind ck, Code code, string mn, bool memory)
    {
        ulong Target() => (ulong)NearTarget(rng) - ck.Base;                  // an offset in CS: the int3 bytes around the code
        var d = CompatDraft(rng);
        var regs = d.Regs;
        // ESP/EBP on the stack page in their low halves.
        if (rng.Next(3) == 0) regs[(int)Reg.Rbp] = (Value(rng) << 32) | (uint)(CaseLayout.StackPointer - 0x40);
        var info = code.ToOpCode();
        bool branch = mn is "jmp" or "call" or "ret" || mn.StartsWith('j') || mn.StartsWith("loop", StringComparison.Ordinal);
        byte[]? bytes;
        int bits = 0, count = 1, countReg = -1;
        if (info.OpCount > 0 && info.GetOpKind(0) is OpCodeOperandKind.es_rDI or OpCodeOperandKind.seg_rSI
            || info.OpCount > 1 && info.GetOpKind(1) is OpCodeOperandKind.es_rDI or OpCodeOperandKind.seg_rSI)
            bytes = CompatString(rng, code, regs, ck);
        else if (code is Code.Enterd_imm16_imm8 or Code.Enterw_imm16_imm8)
        {
            ushort size = (ushort)(rng.Next(4) == 0 ? rng.Next(0, 0x10000) : rng.Next(0, 64) * 8);
            byte level = (byte)(rng.Next(3) switch { 0 => 0, 1 => rng.Next(1, 4), _ => rng.Next(0, 256) });
            bool native = (code == Code.Enterd_imm16_imm8) == (ck.Bits == 32);  // the code's own operand size needs no 0x66
            bytes = native ? [0xC8, (byte)size, (byte)(size >> 8), level] : [0x66, 0xC8, (byte)size, (byte)(size >> 8), level];
        }
        else
        {
            var ins = new Instruction { Code = code };
            for (int k = 0; k < info.OpCount; k++)
            {
                var kind = info.GetOpKind(k);
                switch (kind)
                {
                    case OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem when memory:
                    case OpCodeOperandKind.mem:
                    {
                        int size = Math.Max(1, ins.MemorySize.GetSize());
                        if (bits == 0) bits = Math.Min(32, size * 8);
                        ulong target = CompatMemory(rng, ref ins, k, size, regs, ref d.Fs, ref d.Gs);
                        if (target >= CaseLayout.Data0 && target < CaseLayout.Data0 + CaseLayout.HotBytes - 8)
                        {
                            if (branch) d.Words.Add((target, Target()));
                            else if (mn is "les" or "lds") d.Words.Add((target, ((ulong)CompatSelector(rng) << 32) | (uint)Value(rng)));
                        }
                        break;
                    }
                    case OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem:
                    case OpCodeOperandKind.r8_reg or OpCodeOperandKind.r16_reg or OpCodeOperandKind.r32_reg:
                    case OpCodeOperandKind.r8_opcode or OpCodeOperandKind.r16_opcode or OpCodeOperandKind.r32_opcode:
                    case OpCodeOperandKind.r16_rm or OpCodeOperandKind.r32_rm:
                    {
                        int b = RegBits(kind);
                        if (bits == 0) bits = b;
                        int n = rng.Next(8);
                        Register r = b switch { 8 => R8[n < 4 ? n : 12 + n], 16 => Register.AX + n, _ => Register.EAX + n };
                        ins.SetOpKind(k, OpKind.Register);
                        ins.SetOpRegister(k, r);
                        int rn = r.GetFullRegister().GetNumber();
                        if (branch) regs[rn] = (rn == (int)Reg.Rsp ? 0 : Value(rng) << 32) | (uint)Target();
                        break;
                    }
                    case OpCodeOperandKind.al or OpCodeOperandKind.ax or OpCodeOperandKind.eax or OpCodeOperandKind.cl:
                        ins.SetOpKind(k, OpKind.Register);
                        ins.SetOpRegister(k, kind switch
                        {
                            OpCodeOperandKind.al => Register.AL, OpCodeOperandKind.cl => Register.CL, OpCodeOperandKind.ax => Register.AX, _ => Register.EAX,
                        });
                        if (kind == OpCodeOperandKind.cl && k > 0) countReg = 1;
                        else if (bits == 0) bits = RegBits(kind);
                        break;
                    case OpCodeOperandKind.es or OpCodeOperandKind.cs or OpCodeOperandKind.ss or OpCodeOperandKind.ds:
                        ins.SetOpKind(k, OpKind.Register);
                        ins.SetOpRegister(k, kind switch
                        {
                            OpCodeOperandKind.es => Register.ES, OpCodeOperandKind.cs => Register.CS, OpCodeOperandKind.ss => Register.SS, _ => Register.DS,
                        });
                        break;
                    case OpCodeOperandKind.imm8_const_1: ins.SetOpKind(k, OpKind.Immediate8); ins.Immediate8 = 1; break;
                    case OpCodeOperandKind.imm8:
                    {
                        int v = IsShift(mn) ? Count(rng, Math.Max(8, bits)) : mn is "aam" or "aad" && rng.Next(4) == 0 ? 10 : (int)(Value(rng) & 0xFF);
                        if (mn == "enter") return null;
                        ins.SetOpKind(k, OpKind.Immediate8); ins.Immediate8 = (byte)v; count = v;
                        break;
                    }
                    case OpCodeOperandKind.imm16 or OpCodeOperandKind.imm32 or OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32:
                        SetImmediate(ref ins, k, kind, Value(rng));
                        break;
                    case OpCodeOperandKind.br16_1 or OpCodeOperandKind.br16_2:
                        ins.SetOpKind(k, OpKind.NearBranch16); ins.NearBranch16 = (ushort)Target(); break;
                    case OpCodeOperandKind.br32_1 or OpCodeOperandKind.br32_4:
                        ins.SetOpKind(k, OpKind.NearBranch32); ins.NearBranch32 = (uint)Target(); break;
                    default:
                        return null;
                }
            }
            if (countReg >= 0) count = ClCount(rng, regs, bits);
            if (mn is "div" or "idiv") Dividend(rng, regs, mn == "idiv", Math.Max(8, bits));
            if (mn == "ret") d.Words.Add(((uint)regs[(int)Reg.Rsp], Target()));
            if (mn is "pop" && code is Code.Popd_DS or Code.Popd_ES or Code.Popw_DS or Code.Popw_ES)
                d.Words.Add(((uint)regs[(int)Reg.Rsp] & ~7UL, (ulong)CompatSelector(rng) | (Value(rng) << 16)));
            int dst = ins.Op0Kind == OpKind.Register ? ins.Op0Register.GetFullRegister().GetNumber() : -1;
            if (mn is "bsf" or "bsr") d.Rule = ResultRules.BitScanZero(mn, dst, bits);
            else if (mn is "shld" or "shrd") d.Rule = ResultRules.ShiftDoubleOverWidth(mn, bits, count, dst, dst >= 0 ? 0 : Address32(ins, regs));
            bytes = Encode(ins, ck);
        }
        if (bytes == null) return null;
        var c = new CpuCase
        {
            Name = ck.Prefix + code, Code = CaseLayout.Code(bytes), Rip = CaseLayout.Rip, Regs = regs, Rflags = d.Rflags, FsBase = d.Fs, GsBase = d.Gs,
            Pages = CaseLayout.Pages(rng, [.. d.Words]), Budget = 3, Gdt = SegmentTable.Linux, Cs = ck.Cs,
        };
        return new GeneratedCase(c, ck.Prefix + code + (info.OpCount > 0 && HasRm(info) ? (memory ? "/mem" : "/reg") : ""), mn, FlagRules.Undefined(mn, Math.Max(8, bits), count), Result: d.Rule);
    }

    /// <summary>The 32-bit offset of the memory operand with the final registers (setting CL for a count may move it).</summary>
    private static ulong Address32(in Instruction ins, ulong[] regs) => (uint)ins.GetVirtualAddress(0, 0, (r, _, _) =>
        r is Register.None or Register.ES or Register.CS or Register.SS or Register.DS or Register.FS or Register.GS ? 0 : (uint)regs[r.GetFullRegister().GetNumber()]);

    private static bool HasRm(OpCodeInfo info) => Enumerable.Range(0, info.OpCount).Any(k =>
        info.GetOpKind(k) is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem);

    /// <summary>A selector for a segment load: Linux's user data (mostly), its 32-bit or 64-bit user code, null, or any.</summary>
    private static ushort CompatSelector(Random rng) => rng.Next(6) switch
    {
        0 => 0, 1 => LinuxGdt.UserCode32, 2 => LinuxGdt.UserCode64, 3 => (ushort)rng.Next(0, 0x10000), _ => LinuxGdt.UserData,
    };

    /// <summary>
    /// Operand <paramref name="k"/> becomes a 32-bit memory operand aimed at the data pages (or a faulting address): a base
    /// (any of the eight), maybe an index and scale, a displacement; the registers get the offset in their low halves.
    /// </summary>
    private static ulong CompatMemory(Random rng, ref Instruction ins, int k, int size, ulong[] regs, ref ulong fs, ref ulong gs)
    {
        ins.SetOpKind(k, OpKind.Memory);
        int t = rng.Next(100);
        ulong target = t switch
        {
            < 62 => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - size + 1),
            < 70 => CaseLayout.Data1 - (ulong)rng.Next(1, Math.Max(2, size)),
            < 78 => CaseLayout.ReadOnly + (ulong)rng.Next(0, 64),
            < 84 => CaseLayout.Unmapped - (ulong)rng.Next(1, Math.Max(2, size)),
            < 88 => CaseLayout.Unmapped + (ulong)rng.Next(0, 4096 - size),
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - size + 1),
        };
        // Segment overrides: DS, ES, SS are flat; CS is read-only (a write is #GP(0)); FS and GS hold the null selector.
        ins.SegmentPrefix = rng.Next(12) switch
        {
            0 => Register.CS, 1 => Register.ES, 2 => Register.SS, 3 => Register.FS, 4 => Register.GS, 5 => Register.DS, _ => Register.None,
        };
        if (ins.SegmentPrefix == Register.FS) fs = Value(rng) & 0xFFFF_F000;
        if (ins.SegmentPrefix == Register.GS) gs = Value(rng) & 0xFFFF_F000;
        if (rng.Next(8) == 0)
        {   // absolute [disp32]
            ins.MemoryBase = Register.None; ins.MemoryIndex = Register.None; ins.MemoryDisplSize = 4; ins.MemoryDisplacement64 = target;
            return target;
        }
        int b = rng.Next(8);
        int x = rng.Next(3) == 0 ? -1 : rng.Next(8);
        if (x == 4 || x == b) x = -1;
        int scale = 1 << rng.Next(4);
        long disp = rng.Next(4) switch { 0 => 0, 1 => rng.Next(-128, 128), 2 => rng.Next(-0x10000, 0x10000), _ => rng.Next(int.MinValue, int.MaxValue) };
        ulong xv = x < 0 ? 0 : rng.Next(2) == 0 ? (ulong)rng.Next(0, 16) : Value(rng);
        ulong bv = target - (ulong)disp - xv * (ulong)scale;                   // wraps at 4 GiB as the CPU's sum does
        ins.MemoryBase = Register.EAX + b;
        ins.MemoryIndex = x < 0 ? Register.None : Register.EAX + x;
        regs[b] = (b == (int)Reg.Rsp ? 0 : Value(rng) << 32) | (uint)bv;  // RSP's upper half stays clear (see CompatCase)
        if (x >= 0) regs[x] = (Value(rng) << 32) | (uint)xv;
        ins.MemoryIndexScale = x < 0 ? 1 : scale;
        ins.MemoryDisplacement64 = (uint)(int)disp;
        ins.MemoryDisplSize = disp == 0 ? 0 : disp is >= -128 and < 128 ? 1 : 4;
        return target;
    }

    /// <summary>A string instruction with ESI/EDI pointers into the data pages (or faulting), ECX small, maybe a rep prefix and an override.</summary>
    private static byte[]? CompatString(Random rng, Code code, ulong[] regs, CodeKind kind)
    {
        RepPrefixKind rep = rng.Next(3) switch { 0 => RepPrefixKind.None, 1 => RepPrefixKind.Repe, _ => RepPrefixKind.Repne };
        Register seg = rng.Next(6) switch { 0 => Register.ES, 1 => Register.CS, 2 => Register.SS, _ => Register.None };
        var mn = code.Mnemonic();
        Instruction ins = mn switch
        {
            Mnemonic.Movsb => Instruction.CreateMovsb(32, seg, rep), Mnemonic.Movsw => Instruction.CreateMovsw(32, seg, rep),
            Mnemonic.Movsd => Instruction.CreateMovsd(32, seg, rep),
            Mnemonic.Stosb => Instruction.CreateStosb(32, rep), Mnemonic.Stosw => Instruction.CreateStosw(32, rep), Mnemonic.Stosd => Instruction.CreateStosd(32, rep),
            Mnemonic.Lodsb => Instruction.CreateLodsb(32, seg, rep), Mnemonic.Lodsw => Instruction.CreateLodsw(32, seg, rep),
            Mnemonic.Lodsd => Instruction.CreateLodsd(32, seg, rep),
            Mnemonic.Scasb => Instruction.CreateScasb(32, rep), Mnemonic.Scasw => Instruction.CreateScasw(32, rep), Mnemonic.Scasd => Instruction.CreateScasd(32, rep),
            Mnemonic.Cmpsb => Instruction.CreateCmpsb(32, seg, rep), Mnemonic.Cmpsw => Instruction.CreateCmpsw(32, seg, rep),
            _ => Instruction.CreateCmpsd(32, seg, rep),
        };
        if (ins.Code != code) return null;
        ulong Ptr() => rng.Next(10) switch
        {
            0 => CaseLayout.ReadOnly + (ulong)rng.Next(0, 128),
            1 => CaseLayout.Unmapped - (ulong)rng.Next(1, 64),
            2 => CaseLayout.Data1 - (ulong)rng.Next(1, 64),
            _ => CaseLayout.Data0 + (ulong)rng.Next(0, 256),
        };
        regs[(int)Reg.Rsi] = (Value(rng) << 32) | Ptr();
        regs[(int)Reg.Rdi] = (Value(rng) << 32) | Ptr();
        regs[(int)Reg.Rcx] = (Value(rng) << 32) | (uint)(rng.Next(8) == 0 ? rng.Next(0, 1200) : rng.Next(0, 40));
        return Encode(ins, kind);
    }

    /// <summary>Encode as compatibility-mode code of <paramref name="kind"/> at the case's offset in CS (branches kept in their form).</summary>
    private static byte[]? Encode(Instruction ins, CodeKind kind)
    {
        try
        {
            var a = new Assembler(kind.Bits);
            a.AddInstruction(ins);
            var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip - kind.Base, BlockEncoderOptions.DontFixBranches);
            return ms.ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
    }
}

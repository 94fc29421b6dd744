using Iced.Intel;
using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Cases for the segment instructions (CpuSegments.cs), on Linux's GDT (<see cref="LinuxGdt"/>) as the host runs them:
/// selectors drawn from every kind of entry (null with each RPL, the user code and data segments with each RPL, the
/// kernel's, the TSS, empty entries, past the limit, the helper's two-entry LDT and past it), far pointers and return frames whose offsets land on
/// the int3 bytes before the code (a transfer that succeeds ends there) or are not canonical.
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>The segment forms: one per Iced code (and register or memory operand), each with its own drawing.</summary>
    private static IEnumerable<Form> SegmentForms()
    {
        foreach (var code in new[] { Code.Mov_Sreg_rm16, Code.Mov_Sreg_r32m16, Code.Mov_Sreg_r64m16 })
        {
            yield return new Form(code + "/reg", "mov", code, false, r => MovToSegment(r, code, memory: false));
            yield return new Form(code + "/mem", "mov", code, true, r => MovToSegment(r, code, memory: true));
        }
        foreach (var code in new[] { Code.Mov_rm16_Sreg, Code.Mov_r32m16_Sreg, Code.Mov_r64m16_Sreg })
        {
            yield return new Form(code + "/reg", "mov", code, false, r => MovFromSegment(r, code, memory: false));
            yield return new Form(code + "/mem", "mov", code, true, r => MovFromSegment(r, code, memory: true));
        }
        foreach (var code in new[] { Code.Pushw_FS, Code.Pushq_FS, Code.Pushw_GS, Code.Pushq_GS, Code.Popw_FS, Code.Popq_FS, Code.Popw_GS, Code.Popq_GS })
            yield return new Form(code.ToString(), code.Mnemonic().ToString().ToLowerInvariant(), code, true, r => PushPopSegment(r, code));
        foreach (var code in new[] { Code.Lfs_r16_m1616, Code.Lfs_r32_m1632, Code.Lfs_r64_m1664, Code.Lgs_r16_m1616, Code.Lgs_r32_m1632,
                     Code.Lgs_r64_m1664, Code.Lss_r16_m1616, Code.Lss_r32_m1632, Code.Lss_r64_m1664 })
            yield return new Form(code.ToString(), code.Mnemonic().ToString().ToLowerInvariant(), code, true, r => LoadFarPointer(r, code));
        foreach (var code in new[] { Code.Jmp_m1616, Code.Jmp_m1632, Code.Call_m1616, Code.Call_m1632 })
            yield return new Form(code.ToString(), code.Mnemonic().ToString().ToLowerInvariant(), code, true, r => FarJumpOrCall(r, code));
        foreach (var code in new[] { Code.Retfw, Code.Retfd, Code.Retfq, Code.Retfw_imm16, Code.Retfd_imm16, Code.Retfq_imm16 })
            yield return new Form(code.ToString(), "retf", code, true, r => FarReturn(r, code));
        foreach (var code in new[] { Code.Iretw, Code.Iretd, Code.Iretq })
            yield return new Form(code.ToString(), code.Mnemonic().ToString().ToLowerInvariant(), code, true, r => InterruptReturn(r, code));
        foreach (var code in new[] { Code.Lar_r16_rm16, Code.Lar_r32_r32m16, Code.Lar_r64_r64m16, Code.Lsl_r16_rm16, Code.Lsl_r32_r32m16, Code.Lsl_r64_r64m16,
                     Code.Verr_rm16, Code.Verr_r32m16, Code.Verr_r64m16, Code.Verw_rm16, Code.Verw_r32m16, Code.Verw_r64m16 })
        {
            yield return new Form(code + "/reg", code.Mnemonic().ToString().ToLowerInvariant(), code, false, r => Descriptor(r, code, memory: false));
            yield return new Form(code + "/mem", code.Mnemonic().ToString().ToLowerInvariant(), code, true, r => Descriptor(r, code, memory: true));
        }
    }

    /// <summary>The codes <see cref="SegmentForms"/> covers: the table-driven generator skips them (segment-register operands, far pointers).</summary>
    private static bool IsSegmentCode(Code c) => c is >= Code.Mov_Sreg_rm16 and <= Code.Mov_Sreg_r64m16 or >= Code.Mov_rm16_Sreg and <= Code.Mov_r64m16_Sreg
        or Code.Pushw_FS or Code.Pushq_FS or Code.Pushw_GS or Code.Pushq_GS or Code.Popw_FS or Code.Popq_FS or Code.Popw_GS or Code.Popq_GS
        or Code.Jmp_m1616 or Code.Jmp_m1632 or Code.Jmp_m1664 or Code.Call_m1616 or Code.Call_m1632 or Code.Call_m1664
        || c.Mnemonic() is Mnemonic.Lfs or Mnemonic.Lgs or Mnemonic.Lss or Mnemonic.Retf or Mnemonic.Iret or Mnemonic.Iretd or Mnemonic.Iretq
            or Mnemonic.Lar or Mnemonic.Lsl or Mnemonic.Verr or Mnemonic.Verw;

    /// <summary>
    /// Why the m16:64 far jmp/call are not generated: with REX.W, Intel CPUs and QEMU's TCG (the captured CPU) read a
    /// 64-bit offset, and AMD CPUs (this host) ignore REX.W and read m16:32 (Iced's AMD decoder option; QEMU
    /// target/i386 translate.c, "ot = dflag != MO_16 ? MO_32 + REX_W(s) : MO_16"). The model follows QEMU; its unit tests
    /// pin the m16:64 form.
    /// </summary>
    public const string FarPointerRexWReason = "jmp/call m16:64: AMD hosts ignore REX.W (m16:32); Intel and the captured QEMU CPU read a 64-bit offset, as the model";

    /// <summary>A selector for Linux's GDT: nulls, each user segment with each RPL, the kernel's, the TSS, empty entries, past the limit, the LDT.</summary>
    private static ushort Selector(Random rng) => rng.Next(12) switch
    {
        0 => (ushort)rng.Next(0, 4),                                           // null, any RPL
        1 or 2 => (ushort)(LinuxGdt.UserCode64 & ~3 | rng.Next(0, 4)),
        3 or 4 => (ushort)(LinuxGdt.UserData & ~3 | rng.Next(0, 4)),
        5 => (ushort)(LinuxGdt.UserCode32 & ~3 | rng.Next(0, 4)),
        6 => (ushort)(rng.Next(1, 4) * 8 | rng.Next(0, 4)),                  // kernel code/data
        7 => (ushort)(rng.Next(7, 16) * 8 | rng.Next(0, 4)),                 // unused, TSS, LDT, TLS slots, CPUNODE
        8 => (ushort)(rng.Next(16, 0x2000) * 8 | rng.Next(0, 4)),            // past the limit 0x7F
        9 => (ushort)(rng.Next(0, 16) * 8 | 4 | rng.Next(0, 4)),             // TI: the LDT (two code segments) and past it
        10 => (ushort)rng.Next(0, 0x10000),
        _ => LinuxGdt.UserCode64,
    };

    /// <summary>A selector for lsl: never the CPUNODE entry (0x78-0x7F), whose limit is the CPU the host helper runs on.</summary>
    private static ushort LslSelector(Random rng)
    {
        ushort s;
        do s = Selector(rng); while ((s & 0xFFF8) == 0x78);
        return s;
    }

    /// <summary>
    /// The code selector and offset of a far transfer of operand size <paramref name="size"/>. A transfer into the 32-bit
    /// user code segment (0x20-0x23) would run compatibility-mode code, which the model does not: with a 64-bit offset
    /// it gets one past the segment limit (#GP(0) on both), with a shorter one another selector is drawn.
    /// </summary>
    private static (ushort Cs, ulong Offset) FarTarget(Random rng, int size)
    {
        ushort cs = rng.Next(3) == 0 ? LinuxGdt.UserCode64 : Selector(rng);
        if ((cs & 0xFFFC) != (LinuxGdt.UserCode32 & 0xFFFC)) return (cs, FarOffset(rng, size));   // jmp/call take RPL 0-2 too
        if (size == 8) return (cs, 0x1_0000_0000UL + (ulong)rng.Next(0, 0x1000));
        return (LinuxGdt.UserCode64, FarOffset(rng, size));
    }

    /// <summary>Where a successful far transfer lands: on the int3 bytes before the code; sometimes not canonical.</summary>
    private static ulong FarOffset(Random rng, int size) => rng.Next(8) switch
    {
        0 when size == 8 => CaseLayout.NonCanonical + (ulong)rng.Next(0, 64),
        1 when size == 8 => CaseLayout.KernelHalf + (ulong)rng.Next(0, 64),
        _ => (CaseLayout.CodePage + (ulong)rng.Next(0, CaseLayout.Int3Before)) & SizeMask(size),
    };

    /// <summary>A selector value in a register or a word of memory at Data0 (RBX points at it).</summary>
    private static Instruction Operand16(Random rng, Draft d, Code code, int k, ulong value, bool memory, Instruction ins)
    {
        if (!memory)
        {
            Register r = Gpr(rng, code.ToOpCode().GetOpKind(k) switch { OpCodeOperandKind.r16_or_mem => 16, OpCodeOperandKind.r32_or_mem => 32, _ => 64 });
            if (r is Register.SPL or Register.SP or Register.ESP or Register.RSP) r = r.GetSize() switch { 2 => Register.CX, 4 => Register.ECX, _ => Register.RCX };
            ins.SetOpRegister(k, r);
            ins.SetOpKind(k, OpKind.Register);
            int n = r.GetFullRegister() - Register.RAX;
            d.Regs[n] = (d.Regs[n] & ~0xFFFFUL) | value;
        }
        else
        {
            ulong at = CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - 8);
            d.Regs[(int)Reg.Rbx] = at;
            ins.SetOpKind(k, OpKind.Memory);
            ins.MemoryBase = Register.RBX;
            ins.MemoryIndex = Register.None;
            ins.MemoryDisplacement64 = 0;
            d.Words.Add((at, value | ((ulong)rng.Next() << 16)));
        }
        return ins;
    }

    private static ulong SizeMask(int size) => size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    private static GeneratedCase? Encoded(Code code, string form, Random rng, Draft d, Instruction ins) =>
        Encode(ins) is byte[] b ? Case(form, code.Mnemonic().ToString().ToLowerInvariant(), rng, d, b, 0) : null;

    private static GeneratedCase? MovToSegment(Random rng, Code code, bool memory)
    {
        var d = NewDraft(rng);
        Register seg = rng.Next(5) switch { 0 => Register.DS, 1 => Register.ES, 2 => Register.FS, 3 => Register.GS, _ => Register.SS };
        var ins = Instruction.Create(code, seg, Register.AX);
        ins = Operand16(rng, d, code, 1, Selector(rng), memory, ins);
        if (seg == Register.FS && rng.Next(2) == 0) d.Fs = CaseLayout.FsPage;
        if (seg == Register.GS && rng.Next(2) == 0) d.Gs = CaseLayout.GsPage;
        return Encoded(code, code + (memory ? "/mem" : "/reg"), rng, d, ins);
    }

    private static GeneratedCase? MovFromSegment(Random rng, Code code, bool memory)
    {
        var d = NewDraft(rng);
        Register seg = (Register)((int)Register.ES + rng.Next(6));
        var ins = Instruction.Create(code, Register.AX, seg);
        ins = Operand16(rng, d, code, 0, 0, memory, ins);
        return Encoded(code, code + (memory ? "/mem" : "/reg"), rng, d, ins);
    }

    private static GeneratedCase? PushPopSegment(Random rng, Code code)
    {
        var d = NewDraft(rng);
        int size = code is Code.Pushw_FS or Code.Pushw_GS or Code.Popw_FS or Code.Popw_GS ? 2 : 8;
        if (code.Mnemonic() == Mnemonic.Pop) d.Words.Add((d.Regs[(int)Reg.Rsp], Selector(rng) | ((ulong)rng.Next() << 16 & (size == 8 ? ~0UL : 0))));
        if (rng.Next(8) == 0) d.Regs[(int)Reg.Rsp] = rng.Next(2) == 0 ? CaseLayout.NonCanonical + 8 : CaseLayout.ReadOnly + 0x10;
        var seg = code is Code.Pushw_FS or Code.Pushq_FS or Code.Popw_FS or Code.Popq_FS ? Register.FS : Register.GS;
        return Encoded(code, code.ToString(), rng, d, Instruction.Create(code, seg));
    }

    private static GeneratedCase? LoadFarPointer(Random rng, Code code)
    {
        var d = NewDraft(rng);
        int size = code.ToString().EndsWith("1616", StringComparison.Ordinal) ? 2 : code.ToString().EndsWith("1632", StringComparison.Ordinal) ? 4 : 8;
        Register dst = Gpr(rng, size * 8);
        if (dst is Register.SPL or Register.SP or Register.ESP or Register.RSP && code.Mnemonic() != Mnemonic.Lss) dst = Gpr(rng, size * 8);
        var ins = Instruction.Create(code, dst, new MemoryOperand(Register.RBX));
        ulong at = CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - 16);
        d.Regs[(int)Reg.Rbx] = at;
        d.Words.Add((at, Value(rng)));
        d.Words.Add((at + (ulong)size, Selector(rng)));
        if (rng.Next(10) == 0) d.Regs[(int)Reg.Rbx] = CaseLayout.Unmapped - (ulong)rng.Next(1, 10);  // the pointer runs into the unmapped page
        return Encoded(code, code.ToString(), rng, d, ins);
    }

    private static GeneratedCase? FarJumpOrCall(Random rng, Code code)
    {
        var d = NewDraft(rng);
        int size = code is Code.Jmp_m1616 or Code.Call_m1616 ? 2 : 4;
        var ins = Instruction.Create(code, new MemoryOperand(Register.RBX));
        ulong at = CaseLayout.Data0 + (ulong)rng.Next(0, CaseLayout.HotBytes - 16);
        d.Regs[(int)Reg.Rbx] = at;
        // A 16-bit offset lands below the case window: #PF at the target on both sides.
        var (cs, offset) = FarTarget(rng, size);
        d.Words.Add((at, offset));
        d.Words.Add((at + (ulong)size, cs));
        if (code is Code.Call_m1616 or Code.Call_m1632 && rng.Next(8) == 0) d.Regs[(int)Reg.Rsp] = CaseLayout.ReadOnly + 0x10;
        return Encoded(code, code.ToString(), rng, d, ins);
    }

    private static GeneratedCase? FarReturn(Random rng, Code code)
    {
        var d = NewDraft(rng);
        int size = code is Code.Retfw or Code.Retfw_imm16 ? 2 : code is Code.Retfq or Code.Retfq_imm16 ? 8 : 4;
        ulong sp = d.Regs[(int)Reg.Rsp];
        var (cs, offset) = FarTarget(rng, size);
        d.Words.Add((sp, offset));
        d.Words.Add((sp + (ulong)size, cs));
        var ins = code is Code.Retfw_imm16 or Code.Retfd_imm16 or Code.Retfq_imm16
            ? Instruction.Create(code, rng.Next(2) == 0 ? rng.Next(0, 8) * 8 : rng.Next(0, 0x10000)) : Instruction.Create(code);
        return Encoded(code, code.ToString(), rng, d, ins);
    }

    private static GeneratedCase? InterruptReturn(Random rng, Code code)
    {
        var d = NewDraft(rng);
        int size = code == Code.Iretw ? 2 : code == Code.Iretd ? 4 : 8;
        ulong sp = d.Regs[(int)Reg.Rsp] = CaseLayout.StackPointer - (ulong)rng.Next(0, 8) * 8;
        // RFLAGS image: the settable flags, and what CPL 3 may not change (IF, IOPL, VM, VIF, VIP) or may (NT, AC, ID);
        // never TF (a #DB after the iret) or RF (not modelled).
        ulong flags = ((ulong)rng.NextInt64() & (CpuCaseJson.SettableFlags | 0x3E_7200)) | 2;
        var (cs, offset) = FarTarget(rng, size);
        ushort ss = rng.Next(3) == 0 ? LinuxGdt.UserData : Selector(rng);
        ulong newSp = rng.Next(4) == 0 ? Value(rng) : CaseLayout.StackPointer + (ulong)rng.Next(-16, 16) * 8;
        ulong[] frame = [offset, cs, flags, newSp, ss];
        for (int k = 0; k < 5; k++) d.Words.Add((sp + (ulong)(k * size), frame[k] & SizeMask(size) | (k < 4 ? 0 : (ulong)rng.Next() << (size * 8) & (size == 8 ? 0 : ~0UL))));
        return Encoded(code, code.ToString(), rng, d, Instruction.Create(code));
    }

    private static GeneratedCase? Descriptor(Random rng, Code code, bool memory)
    {
        var d = NewDraft(rng);
        bool verify = code.Mnemonic() is Mnemonic.Verr or Mnemonic.Verw;
        ushort sel = code.Mnemonic() == Mnemonic.Lsl ? LslSelector(rng) : Selector(rng);
        Instruction ins;
        if (verify) ins = Operand16(rng, d, code, 0, sel, memory, Instruction.Create(code, Register.AX));
        else
        {
            int bits = code.ToOpCode().GetOpKind(0) switch { OpCodeOperandKind.r16_reg => 16, OpCodeOperandKind.r32_reg => 32, _ => 64 };
            ins = Operand16(rng, d, code, 1, sel, memory, Instruction.Create(code, Gpr(rng, bits), Register.AX));
        }
        return Encoded(code, code + (memory ? "/mem" : "/reg"), rng, d, ins);
    }
}

using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>
/// Compatibility-mode code (decoded with 32-bit defaults): the forms whose operand size, stack width or branch
/// target differ from 64-bit mode, and the IA-32-only instructions (CpuCompat.cs). Everything else shares the
/// 64-bit translation, with the segment slots of <see cref="CompatSegSlot"/> in its memory operands.
/// </summary>
internal static partial class Translator
{
    private static bool IsCompat(in Instruction ins) => ins.CodeSize != CodeSize.Code64;

    /// <summary>
    /// Translates a compatibility-mode form; <paramref name="taken"/> says the instruction is one this handles (then a
    /// false result is #UD), else the shared translation goes on.
    /// </summary>
    private static bool Compat(in Instruction ins, ref Insn d, out bool taken)
    {
        taken = true;
        Code c = ins.Code;
        byte size = (byte)(c.ToOpCode().OperandSize / 8);                      // the form's operand size: 4 or 2 (0: none)
        switch (c)
        {
            case Code.Push_r32: case Code.Push_r16: case Code.Push_rm32: case Code.Push_rm16:
                if (ins.Op0Kind == OpKind.Memory) { d.Op = Op.PushM; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); return true; }
                d.Op = Op.PushR; RegOp(in ins, 0, ref d, dst: false); (d.D, d.DSh) = (d.S, d.SSh);
                d.Size = (byte)ins.Op0Register.GetSize(); d.Mask = Cpu.MaskOf(d.Size);
                return true;
            case Code.Pushd_imm32: case Code.Pushd_imm8: case Code.Push_imm16: case Code.Pushw_imm8:
                d.Op = Op.PushI; d.Size = size;
                d.Mask = Cpu.MaskOf(d.Size); d.Imm = ins.GetImmediate(0) & d.Mask;
                return true;
            case Code.Pop_r32: case Code.Pop_r16: case Code.Pop_rm32: case Code.Pop_rm16:
                if (ins.Op0Kind == OpKind.Memory) { d.Op = Op.PopM; MemOp(in ins, ref d); SizeFromMem(in ins, ref d); return true; }
                d.Op = Op.PopR; RegOp(in ins, 0, ref d, dst: true);
                return true;
            case Code.Pushd_ES: case Code.Pushd_CS: case Code.Pushd_SS: case Code.Pushd_DS: case Code.Pushd_FS: case Code.Pushd_GS:
            case Code.Pushw_ES: case Code.Pushw_CS: case Code.Pushw_SS: case Code.Pushw_DS: case Code.Pushw_FS: case Code.Pushw_GS:
            case Code.Popd_ES: case Code.Popd_SS: case Code.Popd_DS: case Code.Popd_FS: case Code.Popd_GS:
            case Code.Popw_ES: case Code.Popw_SS: case Code.Popw_DS: case Code.Popw_FS: case Code.Popw_GS:
                d.Op = ins.Mnemonic == Mnemonic.Push ? Op.PushSeg : Op.PopSeg;
                d.Aux = SegNumber(ins.Op0Register);
                d.Size = size;
                d.Mask = Cpu.MaskOf(d.Size);
                return true;
            case Code.Pushad: case Code.Pushaw: d.Op = Op.Pusha; d.Size = size; return true;
            case Code.Popad: case Code.Popaw: d.Op = Op.Popa; d.Size = size; return true;
            case Code.Pushfd: case Code.Pushfw: d.Op = Op.Pushf; d.Size = size; return true;
            case Code.Popfd: case Code.Popfw: d.Op = Op.Popf; d.Size = size; return true;

            case Code.Call_rel32_32: case Code.Call_rel16:
                d.Op = Op.NearCall; d.Size = size; d.Imm = ins.NearBranchTarget;
                return true;
            case Code.Call_rm32: case Code.Call_rm16: return NearIndirect(in ins, ref d, Op.NearCall, size);
            case Code.Jmp_rm32: case Code.Jmp_rm16: return NearIndirect(in ins, ref d, Op.NearJmp, size);
            case Code.Jmp_rel8_32: case Code.Jmp_rel32_32: case Code.Jmp_rel8_16: case Code.Jmp_rel16:
                d.Op = Op.JmpRel; d.Imm = ins.NearBranchTarget;                  // Iced wraps the target at the operand size
                return true;
            case Code.Retnd: case Code.Retnd_imm16: case Code.Retnw: case Code.Retnw_imm16:
                d.Op = Op.NearRet; d.Size = size;
                if (c is Code.Retnd_imm16 or Code.Retnw_imm16) d.Imm = ins.Immediate16;
                return true;
            case Code.Jmp_ptr1632: case Code.Jmp_ptr1616: case Code.Call_ptr1632: case Code.Call_ptr1616:
                d.Op = Op.FarJmpCallPtr; d.Aux = (byte)(ins.Mnemonic == Mnemonic.Call ? 1 : 0);
                d.Size = size; d.Mask = Cpu.MaskOf(d.Size);
                d.Imm = size == 4 ? ins.FarBranch32 : ins.FarBranch16;
                d.Disp = ins.FarBranchSelector;
                return true;
            case Code.Loop_rel8_32_ECX: case Code.Loop_rel8_16_ECX: case Code.Loop_rel8_32_CX: case Code.Loop_rel8_16_CX:
                return CompatLoop(in ins, ref d, 0, c is Code.Loop_rel8_32_ECX or Code.Loop_rel8_16_ECX);
            case Code.Loope_rel8_32_ECX: case Code.Loope_rel8_16_ECX: case Code.Loope_rel8_32_CX: case Code.Loope_rel8_16_CX:
                return CompatLoop(in ins, ref d, 1, c is Code.Loope_rel8_32_ECX or Code.Loope_rel8_16_ECX);
            case Code.Loopne_rel8_32_ECX: case Code.Loopne_rel8_16_ECX: case Code.Loopne_rel8_32_CX: case Code.Loopne_rel8_16_CX:
                return CompatLoop(in ins, ref d, 2, c is Code.Loopne_rel8_32_ECX or Code.Loopne_rel8_16_ECX);
            case Code.Jecxz_rel8_32: case Code.Jecxz_rel8_16: case Code.Jcxz_rel8_32: case Code.Jcxz_rel8_16:
                return CompatLoop(in ins, ref d, 3, c is Code.Jecxz_rel8_32 or Code.Jecxz_rel8_16);
            case Code.Enterd_imm16_imm8: case Code.Enterw_imm16_imm8:
                d.Op = Op.Enter; d.Size = size;
                d.Imm = ((ulong)ins.Immediate8_2nd << 16) | ins.Immediate16;
                return true;
            case Code.Leaved: case Code.Leavew: d.Op = Op.Leave; d.Size = size; return true;

            case Code.Daa: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Daa; return true;
            case Code.Das: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Das; return true;
            case Code.Aaa: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Aaa; return true;
            case Code.Aas: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Aas; return true;
            case Code.Aam_imm8: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Aam; d.Imm = ins.Immediate8; return true;
            case Code.Aad_imm8: d.Op = Op.Bcd; d.Aux = (byte)BcdKind.Aad; d.Imm = ins.Immediate8; return true;
            case Code.Bound_r32_m3232: case Code.Bound_r16_m1616:
                d.Op = Op.Bound; RegOp(in ins, 0, ref d, dst: true); MemOp(in ins, ref d);
                return true;
            case Code.Into: d.Op = Op.Into; return true;
            case Code.Arpl_rm16_r16: case Code.Arpl_r32m16_r32:
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.ArplR; RegOp(in ins, 0, ref d, dst: true); }
                else { d.Op = Op.ArplM; MemOp(in ins, ref d); }
                d.Size = 2; d.Mask = 0xFFFF; d.Keep = ~0xFFFFUL;               // a register destination keeps its upper bits
                (d.S, d.SSh) = Slot(ins.Op1Register);
                return true;
            case Code.Salc: d.Op = Op.Salc; return true;
            case Code.Les_r32_m1632: case Code.Les_r16_m1616: case Code.Lds_r32_m1632: case Code.Lds_r16_m1616:
                d.Op = Op.LoadFarPtr; d.Aux = (byte)(ins.Mnemonic == Mnemonic.Les ? Cpu.SegEs : Cpu.SegDs);
                RegOp(in ins, 0, ref d, dst: true); MemOp(in ins, ref d);
                d.Imm = d.Size;
                return true;
            case Code.Sysenter:
                // SYSENTER_CS is 0: Fiasco's amd64 build never writes it (cpu-64.cpp setup_sysenter sets STAR, LSTAR,
                // CSTAR, FMASK only); QEMU's TCG and Intel CPUs raise #GP(0), AMD CPUs #UD in IA-32e mode.
                d.Op = Op.Privileged;
                return true;
        }
        if (ins.IsJccShortOrNear)
        {
            d.Op = Op.Jcc; d.Cc = CondIndex(in ins); d.Imm = ins.NearBranchTarget;
            return true;
        }
        taken = false;
        return false;
    }

    /// <summary>call/jmp r/m32 or r/m16: the target is the operand, zero-extended from its size.</summary>
    private static bool NearIndirect(in Instruction ins, ref Insn d, Op op, int size)
    {
        d.Op = op;
        if (ins.Op0Kind == OpKind.Register) { d.Aux = 1; RegOp(in ins, 0, ref d, dst: true); }
        else { d.Aux = 2; MemOp(in ins, ref d); }
        d.Size = (byte)size; d.Mask = Cpu.MaskOf(size);
        return true;
    }

    /// <summary>loop/loope/loopne/jecxz with ECX (<paramref name="ecx"/>) or CX (0x67) as the count.</summary>
    private static bool CompatLoop(in Instruction ins, ref Insn d, byte kind, bool ecx)
    {
        d.Op = Op.Loop; d.Aux = kind; d.Imm = ins.NearBranchTarget;
        d.AMask = ecx ? 0xFFFF_FFFF : 0xFFFF;
        return true;
    }

    /// <summary>The slot holding a segment's base in compatibility mode, where every segment has one.</summary>
    private static byte CompatSegSlot(Register seg) => seg switch
    {
        Register.ES => Cpu.EsSlot, Register.CS => Cpu.CsSlot, Register.SS => Cpu.SsSlot,
        Register.FS => Cpu.FsSlot, Register.GS => Cpu.GsSlot, _ => Cpu.DsSlot,
    };

    /// <summary>
    /// movs/stos/lods/scas/cmps with 32- or 16-bit addressing (compatibility mode, or 0x67 in 64-bit mode):
    /// <paramref name="narrow"/> says the instruction is one; its pointers are ESI/EDI/ECX or SI/DI/CX.
    /// </summary>
    private static bool StringNarrow(in Instruction ins, ref Insn d, StringKind kind, int size, out bool narrow)
    {
        narrow = false;
        ulong am = 0;
        for (int k = 0; k < ins.OpCount; k++)
            am |= ins.GetOpKind(k) switch
            {
                OpKind.MemorySegESI or OpKind.MemoryESEDI => 0xFFFF_FFFF,
                OpKind.MemorySegSI or OpKind.MemoryESDI => 0xFFFF,
                _ => 0,
            };
        if (am == 0 || size == 0) return false;
        narrow = true;
        d.Op = Op.StringNarrow; d.Cc = (byte)kind; d.Size = (byte)size; d.Mask = Cpu.MaskOf(size); d.AMask = am;
        d.Aux = (byte)(ins.HasRepePrefix ? 1 : ins.HasRepnePrefix ? 2 : 0);
        // The source segment (movs, lods, cmps): DS or an override; in 64-bit mode only FS and GS have a base.
        d.Seg = IsCompat(in ins) ? CompatSegSlot(ins.MemorySegment) : SegSlot(ins.MemorySegment);
        return true;
    }
}

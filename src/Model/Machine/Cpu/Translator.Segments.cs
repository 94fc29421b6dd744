using Iced.Intel;

namespace L4Conf.Model.Machine;

/// <summary>The segment instructions (CpuSegments.cs): mov Sreg, push/pop fs/gs, lfs/lgs/lss, far transfers, iret, lar/lsl/verr/verw.</summary>
internal static partial class Translator
{
    /// <summary>
    /// Translates a segment instruction; <paramref name="segment"/> says the mnemonic is one, so a form this does not
    /// take (push cs/ds/es/ss and the direct far pointers do not decode in 64-bit mode anyway) is #UD.
    /// </summary>
    private static bool Segments(in Instruction ins, ref Insn d, out bool segment)
    {
        segment = true;
        switch (ins.Mnemonic)
        {
            case Mnemonic.Mov when ins.Op0Kind == OpKind.Register && ins.Op0Register.IsSegmentRegister():
                if (ins.Op0Register == Register.CS) return false;             // does not decode; kept out all the same
                d.Aux = SegNumber(ins.Op0Register);
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.MovToSegR; RegOp(in ins, 1, ref d, dst: false); return true; }
                d.Op = Op.MovToSegM; MemOp(in ins, ref d); d.Size = 2; d.Mask = 0xFFFF;
                return true;
            case Mnemonic.Mov when ins.Op1Kind == OpKind.Register && ins.Op1Register.IsSegmentRegister():
                d.Aux = SegNumber(ins.Op1Register);
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.MovFromSegR; RegOp(in ins, 0, ref d, dst: true); return true; }
                d.Op = Op.MovFromSegM; MemOp(in ins, ref d); d.Size = 2; d.Mask = 0xFFFF;
                return true;
            case Mnemonic.Push or Mnemonic.Pop when ins.Op0Kind == OpKind.Register && ins.Op0Register.IsSegmentRegister():
                if (ins.Op0Register is not (Register.FS or Register.GS)) return false;
                d.Op = ins.Mnemonic == Mnemonic.Push ? Op.PushSeg : Op.PopSeg;
                d.Aux = SegNumber(ins.Op0Register);
                d.Size = (byte)(ins.Code is Code.Pushw_FS or Code.Pushw_GS or Code.Popw_FS or Code.Popw_GS ? 2 : 8);
                d.Mask = Cpu.MaskOf(d.Size);
                return true;
            case Mnemonic.Lfs or Mnemonic.Lgs or Mnemonic.Lss:
                if (ins.Op1Kind != OpKind.Memory) return false;
                d.Op = Op.LoadFarPtr;
                d.Aux = (byte)(ins.Mnemonic == Mnemonic.Lfs ? Cpu.SegFs : ins.Mnemonic == Mnemonic.Lgs ? Cpu.SegGs : Cpu.SegSs);
                RegOp(in ins, 0, ref d, dst: true);
                MemOp(in ins, ref d);
                // Imm = the offset's size. With REX.W, QEMU's TCG (the captured CPU) reads m16:32 and writes the 32-bit
                // offset zero-extended (translate.c do_lxx: "ot = dflag != MO_16 ? MO_32 : MO_16"), as AMD CPUs do;
                // Intel CPUs read m16:64.
                d.Imm = d.Size == 2 ? 2UL : 4UL;
                return true;
            case Mnemonic.Jmp or Mnemonic.Call when ins.Code is Code.Jmp_m1616 or Code.Jmp_m1632 or Code.Jmp_m1664
                                                   or Code.Call_m1616 or Code.Call_m1632 or Code.Call_m1664:
                d.Op = Op.FarJmpCall;
                d.Aux = (byte)(ins.Mnemonic == Mnemonic.Call ? 1 : 0);
                MemOp(in ins, ref d);
                d.Size = (byte)(ins.Code is Code.Jmp_m1616 or Code.Call_m1616 ? 2 : ins.Code is Code.Jmp_m1632 or Code.Call_m1632 ? 4 : 8);
                d.Mask = Cpu.MaskOf(d.Size);
                return true;
            case Mnemonic.Retf:
                d.Op = Op.FarRet;
                d.Size = (byte)(ins.Code is Code.Retfw or Code.Retfw_imm16 ? 2 : ins.Code is Code.Retfq or Code.Retfq_imm16 ? 8 : 4);
                if (ins.Code is Code.Retfw_imm16 or Code.Retfd_imm16 or Code.Retfq_imm16) d.Imm = ins.Immediate16;
                return true;
            case Mnemonic.Iret: case Mnemonic.Iretd: case Mnemonic.Iretq:
                d.Op = Op.Iret;
                d.Size = (byte)(ins.Code == Code.Iretw ? 2 : ins.Code == Code.Iretd ? 4 : 8);
                return true;
            case Mnemonic.Lar or Mnemonic.Lsl:
                d.Aux = (byte)(ins.Mnemonic == Mnemonic.Lsl ? 1 : 0);
                RegOp(in ins, 0, ref d, dst: true);
                if (ins.Op1Kind == OpKind.Register) { d.Op = Op.LarLslR; RegOp(in ins, 1, ref d, dst: false); return true; }
                d.Op = Op.LarLslM; MemOp(in ins, ref d);
                return true;
            case Mnemonic.Verr or Mnemonic.Verw:
                d.Aux = (byte)(ins.Mnemonic == Mnemonic.Verw ? 1 : 0);
                if (ins.Op0Kind == OpKind.Register) { d.Op = Op.VerR; RegOp(in ins, 0, ref d, dst: false); return true; }
                d.Op = Op.VerM; MemOp(in ins, ref d);
                return true;
        }
        segment = false;
        return false;
    }

    private static byte SegNumber(Register r) => r switch
    {
        Register.ES => Cpu.SegEs, Register.CS => Cpu.SegCs, Register.SS => Cpu.SegSs,
        Register.DS => Cpu.SegDs, Register.FS => Cpu.SegFs, _ => Cpu.SegGs,
    };
}
